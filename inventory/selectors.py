"""Inventory reads: what each page needs, in a fixed number of queries whatever the lab's size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.roles import is_instructor
from inventory.capacity import Usage, host_usage, reservations
from inventory.choices import VmPowerState
from inventory.models import Cluster, Datacenter, Datastore, Host, Lab, Network, VirtualMachine
from operations.engine.power import guest_state
from operations.models import Event, Fault, Input, Task, TaskState

PAGE_SIZE = 200  # rows of a Virtual Machines list: the page's and the live push's

MOID_MODELS = {
    "datacenter-": Datacenter,
    "domain-c": Cluster,
    "host-": Host,
    "vm-": VirtualMachine,
    "datastore-": Datastore,
    "network-": Network,
}


def labs_visible_to(user):
    """Instructors see every lab; others their own and those they are members of."""
    labs = Lab.objects.select_related("owner")
    if is_instructor(user):
        return labs.all()
    return labs.filter(Q(owner=user) | Q(members=user)).distinct()


def lab_for(user, lab_id: int) -> Lab:
    """The lab, or 404 for anyone who may not see it: a stranger learns nothing, not even that
    it exists."""
    lab = labs_visible_to(user).filter(pk=lab_id).first()
    if lab is None:
        raise Http404("No such lab")
    return lab


def lab_visible(user, lab_moid: str) -> Lab | None:
    """The lab named `lab-7` (or `7`) if `user` may see it, else None (sockets and the API)."""
    number = id_number(str(lab_moid).removeprefix("lab-"))
    if number is None or user is None or not user.is_authenticated:
        return None
    return labs_visible_to(user).filter(pk=number).first()


def id_number(text: str) -> int | None:
    """The number in an id ("42" of vm-42): ASCII digits only (str.isdigit also takes "²"), and
    small enough for a database key."""
    text = str(text or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


OBJECT_RELATED = {"vm-": ("host", "datastore"), "host-": ("cluster",)}  # what their pages show


def object_for(lab: Lab, moid: str):
    """The inventory object with this managed object id in this lab, or 404."""
    for prefix, model in MOID_MODELS.items():
        if moid.startswith(prefix):
            number = id_number(moid[len(prefix):])
            if number is not None:
                obj = model.objects.filter(lab=lab, pk=number).select_related(*OBJECT_RELATED.get(prefix, ())).first()
                if obj is not None:
                    obj.lab = lab  # the page has it: no second read
                    return obj
            break
    raise Http404(f"No object {moid} in this vCenter")


def with_space(datastores):
    """Annotate datastores with used_mb, free_mb and provisioned_mb (what thin disks could grow to)."""
    return datastores.annotate(
        disks_used_mb=Coalesce(Sum("disks__used_mb"), Value(0)),
        provisioned_disk_mb=Coalesce(Sum("disks__capacity_mb"), Value(0)),
    ).annotate(
        used_mb=F("disks_used_mb") + F("other_used_mb"),
        free_mb=F("capacity_mb") - F("disks_used_mb") - F("other_used_mb"),
        provisioned_mb=F("provisioned_disk_mb") + F("other_used_mb"),
    )


def datastore_free_mb(datastore: Datastore) -> int:
    """Free space as the database has it now (never from a possibly stale instance)."""
    return with_space(Datastore.objects.filter(pk=datastore.pk)).values_list("free_mb", flat=True).get()


def in_flight_reservations(lab_id: int, *, exclude_task=None) -> tuple[set, dict[int, int]]:
    """What admitted operations of the lab hold before they finish (the one rule the capacity
    checks, the compatibility facts and the runner share): the VMs whose Power On is queued or
    running, and the CPU MHz each host gives to running high-priority VMotions from or to it
    (task.plan["inputs"]["cpu_reserved_mhz"])."""
    powering, vmotion_cpu = set(), defaultdict(int)
    in_flight = Task.objects.filter(lab_id=lab_id, state__in=("queued", "running"),
                                    kind__in=("vm.power", "vm.vmotion")).only("pk", "kind", "state", "params", "plan")
    for task in in_flight:
        if exclude_task is not None and task.pk == exclude_task.pk:
            continue
        if task.kind == "vm.power" and task.params.get("action") == "power-on":
            powering.add(task.params.get("vm"))
        elif task.kind == "vm.vmotion" and task.state == "running":
            cpu = (task.plan.get("inputs") or {}).get("cpu_reserved_mhz", 0)
            for host_id in {task.params.get("src"), task.params.get("host")}:
                vmotion_cpu[host_id] += cpu
    return powering, vmotion_cpu


def host_reserved(host: Host, *, exclude_vm=None, exclude_task=None) -> tuple[int, int]:
    """CPU MHz and memory MB (with overhead) reserved on the host: by its powered-on VMs, by its
    VMs whose Power On is queued or running (admitted, not yet on), and the CPU that running
    high-priority VMotions from or to it hold (in_flight_reservations)."""
    powering, by_host = in_flight_reservations(host.lab_id, exclude_task=exclude_task)
    vmotion_cpu = by_host[host.pk]
    vms = host.vms.filter(Q(power_state=VmPowerState.POWERED_ON) | Q(pk__in=powering))
    if exclude_vm is not None:
        vms = vms.exclude(pk=exclude_vm.pk)
    cpu, memory = reservations(vms)
    return cpu + vmotion_cpu, memory


def usage_by_host(hosts) -> dict[int, Usage]:
    """Usage of each host, from one query over their running VMs."""
    hosts = list(hosts)
    running = defaultdict(list)
    for vm in VirtualMachine.objects.filter(host__in=[h.pk for h in hosts], power_state=VmPowerState.POWERED_ON).only(
            "pk", "host_id", "workload", "num_cpu", "memory_mb", "memory_overhead_override_mb", "cpu_reservation_mhz",
            "memory_reservation_mb"):
        running[vm.host_id].append(vm)
    return {h.pk: host_usage(h, running[h.pk]) for h in hosts}


def total_usage(usages) -> Usage:
    total = Usage(0, 0, 0, 0)
    for usage in usages:
        total = total + usage
    return total


@dataclass
class TreeHost:
    host: Host
    vms: list = field(default_factory=list)
    open: bool = True


@dataclass
class TreeCluster:
    cluster: Cluster
    hosts: list = field(default_factory=list)
    open: bool = True


@dataclass
class TreeDatacenter:
    datacenter: Datacenter
    clusters: list = field(default_factory=list)
    hosts: list = field(default_factory=list)


# Up to these sizes the tree is drawn whole, every node open (and pushed live as a whole); above,
# it is lazy as the vSphere Client's: clusters and hosts closed, their children fetched when
# opened, the path to the selected object and the nodes the user opened (a cookie) open.
TREE_INLINE_VM_LIMIT = 400
TREE_INLINE_HOST_LIMIT = 64
TREE_OPEN_LIMIT = 12  # nodes kept open from the cookie: the most recently opened


def tree_path(obj) -> set[str]:
    """The nodes to open so that `obj` shows in a lazy tree: a VM's host (and so its cluster), a
    host's cluster. No query: the ids are on the object."""
    prefix = getattr(obj, "MOID_PREFIX", "")
    if prefix == "vm-":
        return {f"host-{obj.host_id}"}
    if prefix == "host-" and obj.cluster_id:
        return {f"domain-c{obj.cluster_id}"}
    return set()


def _ids_of(moids, prefix: str) -> list[int]:
    return [int(m[len(prefix):]) for m in moids if m.startswith(prefix) and m[len(prefix):].isdigit()]


def inventory_tree(lab: Lab, opened=()) -> tuple[list[TreeDatacenter], bool]:
    """The Hosts and Clusters tree in at most six queries, whatever the lab's size. `opened`: the
    moids of the nodes to show open in a lazy tree. Returns the tree and whether it is whole."""
    datacenters = {dc.pk: TreeDatacenter(dc) for dc in Datacenter.objects.filter(lab=lab)}
    counts = Lab.objects.filter(pk=lab.pk).values_list(
        Subquery(Host.objects.filter(lab=lab).values("lab_id").annotate(n=Count("pk")).values("n")[:1]),
        Subquery(VirtualMachine.objects.filter(lab=lab).values("lab_id").annotate(n=Count("pk")).values("n")[:1]),
    ).first() or (0, 0)
    inline = (counts[0] or 0) <= TREE_INLINE_HOST_LIMIT and (counts[1] or 0) <= TREE_INLINE_VM_LIMIT
    opened = list(opened)
    open_hosts, open_clusters = set(_ids_of(opened, "host-")), set(_ids_of(opened, "domain-c"))
    clusters = {}
    for cluster in Cluster.objects.filter(lab=lab):
        clusters[cluster.pk] = TreeCluster(cluster, open=inline or cluster.pk in open_clusters)
        datacenters[cluster.datacenter_id].clusters.append(clusters[cluster.pk])
    host_query = Host.objects.filter(lab=lab)
    if not inline:  # the open clusters' hosts, the open hosts' siblings, and standalone hosts
        host_query = host_query.filter(
            Q(cluster__isnull=True) | Q(cluster_id__in=open_clusters)
            | Q(cluster_id__in=Host.objects.filter(lab=lab, pk__in=open_hosts).values("cluster_id")))
    hosts = {}
    for host in host_query:
        hosts[host.pk] = TreeHost(host, open=inline or host.pk in open_hosts)
        if host.cluster_id:
            clusters[host.cluster_id].open = True
        parent = clusters[host.cluster_id] if host.cluster_id else datacenters[host.datacenter_id]
        parent.hosts.append(hosts[host.pk])
    vms = VirtualMachine.objects.filter(lab=lab)
    if not inline:
        vms = vms.filter(host_id__in=[pk for pk in open_hosts if pk in hosts])
    for vm in vms.only("id", "name", "host_id", "power_state", "ft_role") if hosts else ():
        hosts[vm.host_id].vms.append(vm)
    return list(datacenters.values()), inline


def tree_opened(cookie: str | None, obj=None) -> set[str]:
    """The nodes open in the lazy tree: the user's last opened (the `vtree` cookie, most recent
    last, written by static/js/tree.js) and the path to the selected object."""
    moids = [m for m in (cookie or "").split(".") if m][-TREE_OPEN_LIMIT:]
    return set(moids) | (tree_path(obj) if obj is not None else set())


def active_faults(lab: Lab) -> list[Fault]:
    """What is broken now (the fault panel), oldest first; each with `restoring` set when a
    restore is asked and not applied yet."""
    return _faults_and_starts(lab)[0]


def _faults_and_starts(lab: Lab) -> tuple[list[Fault], list[Input]]:
    """The active faults (each with `restoring`) and the fault starts asked and not applied yet:
    two queries."""
    faults = list(Fault.objects.filter(lab=lab, ended_sim__isnull=True).select_related("host", "peer", "vm")
                  .order_by("pk"))
    pending = list(Input.objects.filter(lab=lab, applied=False, kind__in=("fault.end", "fault.start")).order_by("pk"))
    ending = {i.payload.get("fault") for i in pending if i.kind == "fault.end"}
    for fault in faults:
        fault.restoring = fault.pk in ending
    return faults, [i for i in pending if i.kind == "fault.start"]


@dataclass(frozen=True)
class Simulated:
    """A failure as the menus see it: simulated now, or asked and about to be (its input is not
    applied yet). `restoring`: a restore is asked for it."""
    kind: str
    host_id: int | None
    peer_id: int | None
    vm_id: int | None
    restoring: bool = False
    pending: bool = False  # asked, not started yet

    def on_host(self, host_id: int) -> bool:
        return host_id in (self.host_id, self.peer_id)


def simulated_faults(lab: Lab) -> list[Simulated]:
    """What the "Simulate failure" menus offer to restore (and not to start again): the active
    faults, then the starts asked and not applied yet, in two queries. A menu opened right after
    its OK shows the restore even if the runner has not applied the input yet."""
    faults, starts = _faults_and_starts(lab)
    found = [Simulated(f.kind, f.host_id, f.peer_id, f.vm_id, f.restoring) for f in faults]
    for pending in starts:
        p = pending.payload
        found.append(Simulated(p.get("type", ""), p.get("host"), p.get("peer"), p.get("vm"), pending=True))
    return found


RECORDS_SHOWN = 100  # a Tasks & Events tab lists the newest 100 tasks and the newest 100 events


def tasks_and_events(lab: Lab, moid: str | None = None) -> dict:
    """What a Tasks & Events tab lists: the lab's newest tasks and events, or those about `moid`
    and anything inside it (the page's first render and every push use this)."""
    tasks, events = Task.objects.filter(lab=lab), Event.objects.filter(lab=lab)
    if moid is not None:
        tasks, events = tasks.filter(Task.about(moid)), events.filter(Event.about(moid))
    return {"tasks": list(tasks[:RECORDS_SHOWN]), "events": list(events[:RECORDS_SHOWN])}


def recent_tasks(lab: Lab) -> list[Task]:
    """What the Recent Tasks panel lists: every task in progress, then the newest finished ones."""
    active = ("queued", "running")
    tasks = list(Task.objects.filter(lab=lab, state__in=active)[:50])
    return tasks + list(Task.objects.filter(lab=lab).exclude(state__in=active)[:max(4, 12 - len(tasks))])


def lab_counts(lab: Lab) -> dict[str, int]:
    return {
        "datacenters": Datacenter.objects.filter(lab=lab).count(),
        "clusters": Cluster.objects.filter(lab=lab).count(),
        "hosts": Host.objects.filter(lab=lab).count(),
        "vms": VirtualMachine.objects.filter(lab=lab).count(),
        "vms_on": VirtualMachine.objects.filter(lab=lab, power_state=VmPowerState.POWERED_ON).count(),
        "datastores": Datastore.objects.filter(lab=lab).count(),
        "networks": Network.objects.filter(lab=lab).count(),
    }


def hosts_with_counts(hosts):
    return hosts.select_related("cluster").annotate(
        vm_count=Count("vms", distinct=True),
        vm_on_count=Count("vms", filter=Q(vms__power_state=VmPowerState.POWERED_ON), distinct=True),
    )


# --- scopes: what a container holds, by kind (actions.kind_of) ------------------------------------------------------------

def vms_in(lab, obj, kind):
    vms = VirtualMachine.objects.filter(lab=lab)
    scope = {
        "root": lambda: vms,
        "datacenter": lambda: vms.filter(host__datacenter=obj),
        "cluster": lambda: vms.filter(host__cluster=obj),
        "host": lambda: vms.filter(host=obj),
        "datastore": lambda: vms.filter(Q(datastore=obj) | Q(disks__datastore=obj)).distinct(),
        "network": lambda: vms.filter(nics__network=obj).distinct(),
    }
    return scope[kind]()


def hosts_in(lab, obj, kind):
    hosts = Host.objects.filter(lab=lab)
    scope = {
        "root": lambda: hosts,
        "datacenter": lambda: hosts.filter(datacenter=obj),
        "cluster": lambda: hosts.filter(cluster=obj),
        "host": lambda: hosts.filter(pk=obj.pk),
        "datastore": lambda: hosts.filter(datastores=obj),
        "network": lambda: hosts.filter(portgroups__network=obj).distinct(),
    }
    return scope[kind]()


def datastores_in(lab, obj, kind):
    datastores = Datastore.objects.filter(lab=lab)
    scope = {
        "root": lambda: datastores,
        "datacenter": lambda: datastores.filter(datacenter=obj),
        "host": lambda: datastores.filter(hosts=obj),
    }
    return scope[kind]()


def shutting_down(lab: Lab) -> set[str]:
    """The VMs (moids) whose guest OS is shutting down: a Shut Down Guest task is running."""
    return set(Task.objects.filter(lab=lab, kind="vm.power", params__action="shutdown", state="running")
               .values_list("object_moid", flat=True))


def active_task(moid: str, lab_id: int) -> Task | None:
    """The object's queued or running operation, if any (vSphere runs one at a time per object)."""
    return Task.objects.filter(lab_id=lab_id, object_moid=moid,
                               state__in=(TaskState.QUEUED, TaskState.RUNNING)).exclude(kind="").first()


def guest_of(vm: VirtualMachine, now: float, stopping: bool = False):
    """(uptime in seconds or None, engine GuestState) of a VM at simulated time `now`: the
    Summary, the console and the API all read the guest from here."""
    on = vm.power_state == VmPowerState.POWERED_ON and vm.powered_on_at is not None
    uptime = now - vm.powered_on_at if on else None
    return uptime, guest_state(vm.guest_os, uptime, on and stopping, on and vm.guest_hung_at is not None)


def vm_live(lab: Lab, vm: VirtualMachine, now: float | None = None) -> dict:
    """What the VM's live Summary box shows (inventory/partials/vm_live.html): the page's first
    render and every push use this."""
    task = active_task(vm.moid, lab.pk)
    stopping = task is not None and task.state == "running" and task.params.get("action") == "shutdown"
    uptime, guest = guest_of(vm, lab.now() if now is None else now, stopping)
    return {"vm": vm, "host": vm.host, "uptime": uptime, "active_task": task, "guest": guest}


def host_live(host: Host) -> dict:
    """What the host's live Summary box shows (inventory/partials/host_live.html)."""
    return {"host": host, "vms_count": host.vms.count(),
            "vms_on": host.vms.filter(power_state=VmPowerState.POWERED_ON).count()}


def cluster_summary(lab: Lab, cluster: Cluster) -> dict:
    """What a cluster's Summary tab shows in its General and Resources boxes (first render and
    every push: inventory/partials/cluster_general.html, usage_box.html). Three queries."""
    hosts = list(cluster.hosts.all())
    running = defaultdict(list)
    vms_count = 0
    for vm in VirtualMachine.objects.filter(host__in=[h.pk for h in hosts]).only(
            "host_id", "power_state", "num_cpu", "memory_mb", "cpu_reservation_mhz", "memory_reservation_mb",
            "memory_overhead_override_mb", "workload"):
        vms_count += 1
        if vm.power_state == VmPowerState.POWERED_ON:
            running[vm.host_id].append(vm)
    return {
        "obj": cluster, "usage": total_usage(host_usage(h, running[h.pk]) for h in hosts), "hosts_count": len(hosts),
        "cores": sum(h.cores for h in hosts), "hosts_usable": sum(1 for h in hosts if h.is_usable),
        "vms_count": vms_count, "vms_on": sum(len(v) for v in running.values()),
    }


def datacenter_summary(lab: Lab, datacenter: Datacenter) -> dict:
    """What a datacenter's Summary tab shows in its General box (inventory/partials/datacenter_general.html)."""
    return {
        "obj": datacenter, "hosts_count": datacenter.hosts.count(), "clusters_count": datacenter.clusters.count(),
        "vms_count": vms_in(lab, datacenter, "datacenter").count(), "datastores_count": datacenter.datastores.count(),
        "networks_count": datacenter.networks.count(),
    }
