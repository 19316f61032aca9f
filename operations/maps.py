"""The Maps tab (vSphere 4 drew one): hosts, the VMs on them and the datastores they use, as an
SVG laid out on the server; and the VMotion resources view: where a VM could move, and why not."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, Count, Q, Value, When, Window

from inventory.models import Cluster, Datastore, Host, Lab, VirtualMachine
from operations.checks.migrate import host_problems
from operations.facts import hosts_facts, vm_facts

HOST_W, HOST_GAP, VM_H, TOP = 160, 24, 20, 20
MAX_VMS_DRAWN = 10  # per host; the rest is a "+N more" line
MAX_LINES = 120  # VM-to-datastore lines; above, hosts link to datastores instead


@dataclass
class Box:
    x: int
    y: int
    w: int
    h: int
    label: str
    moid: str
    kind: str
    state: str = ""

    @property
    def cx(self) -> int:
        return self.x + self.w // 2


@dataclass
class Map:
    width: int
    height: int
    boxes: list[Box] = field(default_factory=list)
    lines: list[tuple[int, int, int, int, str]] = field(default_factory=list)
    notes: list[tuple[int, int, str]] = field(default_factory=list)


MAX_HOSTS_DRAWN = 24  # above, the map draws clusters (with their counts) instead of hosts
MAX_CLUSTERS_DRAWN = 48


def lab_map(lab: Lab) -> Map:
    """Hosts with their VMs and datastores; above MAX_HOSTS_DRAWN hosts, one box per cluster with
    its hosts and VMs counted (vSphere's map of a big inventory is unreadable, and ours must stay
    small for the live push). Either way a fixed number of queries."""
    if Host.objects.filter(lab=lab).count() > MAX_HOSTS_DRAWN:
        return _cluster_map(lab)
    hosts = list(Host.objects.filter(lab=lab).order_by("name"))
    vms = list(VirtualMachine.objects.filter(lab=lab).order_by("name").values(
        "pk", "name", "host_id", "datastore_id", "power_state"))
    datastores = list(Datastore.objects.filter(lab=lab).order_by("name"))
    by_host: dict[int, list[dict]] = {h.pk: [] for h in hosts}
    for vm in vms:
        by_host.setdefault(vm["host_id"], []).append(vm)
    deepest = max([min(len(v), MAX_VMS_DRAWN + 1) for v in by_host.values()] + [1])
    ds_y = TOP + 34 + deepest * (VM_H + 4) + 70
    columns = max(len(hosts), len(datastores), 1)
    width = columns * (HOST_W + HOST_GAP) + HOST_GAP
    result = Map(width=width, height=ds_y + 60)
    vm_boxes: dict[int, Box] = {}
    for i, host in enumerate(hosts):
        x = HOST_GAP + i * (HOST_W + HOST_GAP)
        result.boxes.append(Box(x, TOP, HOST_W, 28, host.name, host.moid, "host", _host_state(host)))
        for j, vm in enumerate(by_host[host.pk][:MAX_VMS_DRAWN]):
            box = Box(x + 10, TOP + 34 + j * (VM_H + 4), HOST_W - 20, VM_H, vm["name"], f"vm-{vm['pk']}", "vm",
                      "on" if vm["power_state"] == "poweredOn" else "off")
            vm_boxes[vm["pk"]] = box
            result.boxes.append(box)
        hidden = len(by_host[host.pk]) - MAX_VMS_DRAWN
        if hidden > 0:
            result.notes.append((x + 14, TOP + 34 + MAX_VMS_DRAWN * (VM_H + 4) + 14, f"+{hidden} more"))
    ds_boxes = {}
    for i, ds in enumerate(datastores):
        box = Box(HOST_GAP + i * (HOST_W + HOST_GAP), ds_y, HOST_W, 30, ds.name, ds.moid, "datastore", ds.backing)
        ds_boxes[ds.pk] = box
        result.boxes.append(box)
    links = list(Host.datastores.through.objects.filter(host__lab=lab).values_list("host_id", "datastore_id"))
    if len(vm_boxes) <= MAX_LINES:
        for vm in vms:
            a, b = vm_boxes.get(vm["pk"]), ds_boxes.get(vm["datastore_id"])
            if a and b:
                result.lines.append((a.cx, a.y + a.h, b.cx, b.y, "vm-ds"))
    else:
        host_boxes = {b.moid: b for b in result.boxes if b.kind == "host"}
        for host_id, ds_id in links:
            a, b = host_boxes.get(f"host-{host_id}"), ds_boxes.get(ds_id)
            if a and b:
                result.lines.append((a.cx, a.y + a.h, b.cx, ds_y, "host-ds"))
    return result


def _host_state(host: Host) -> str:
    return "up" if host.is_usable else ("maint" if host.in_maintenance_mode else "down")


CARDS_PER_ROW = 6
DATASTORES_PER_CARD = 3


def _cluster_map(lab: Lab) -> Map:
    """The map of a big lab: a card per cluster (and per standalone host), six to a row: the
    cluster with its hosts and VMs counted, and below it the shared datastores its hosts reach
    (local ones counted). In seven queries whatever the lab's size."""
    clusters = list(Cluster.objects.filter(lab=lab).order_by("name"))
    host_rows = Host.objects.filter(lab=lab).values("cluster_id").annotate(
        n=Count("pk"), up=Count("pk", filter=Q(in_maintenance_mode=False, connection_state="connected")))
    hosts_by = {r["cluster_id"]: r for r in host_rows}
    vm_rows = VirtualMachine.objects.filter(lab=lab).values("host__cluster_id").annotate(
        n=Count("pk"), on=Count("pk", filter=Q(power_state="poweredOn")))
    vms_by = {r["host__cluster_id"]: r for r in vm_rows}
    standalone = list(Host.objects.filter(lab=lab, cluster__isnull=True).order_by("name")[:MAX_CLUSTERS_DRAWN])
    shown = clusters[:MAX_CLUSTERS_DRAWN]
    cards = [("cluster", c) for c in shown] + [("host", h) for h in standalone[:MAX_CLUSTERS_DRAWN - len(shown)]]
    datastores = {ds.pk: ds for ds in Datastore.objects.filter(lab=lab).exclude(backing="local")}
    reach: dict[str, dict[int, None]] = {}  # card moid -> shared datastores, in name order
    local: dict[str, set[int]] = {}
    for cluster_id, host_id, ds_id, backing in Host.datastores.through.objects.filter(host__lab=lab).values_list(
            "host__cluster_id", "host_id", "datastore_id", "datastore__backing").order_by("datastore__name"):
        key = f"domain-c{cluster_id}" if cluster_id else f"host-{host_id}"
        if backing == "local":
            local.setdefault(key, set()).add(ds_id)
        else:
            reach.setdefault(key, {})[ds_id] = None
    most = max([min(len(reach.get(obj.moid, {})), DATASTORES_PER_CARD) for _, obj in cards] + [0])
    card_w, card_h = HOST_W + HOST_GAP, 34 + 3 * (VM_H + 4) + 30 + most * 36 + 36
    rows = (len(cards) + CARDS_PER_ROW - 1) // CARDS_PER_ROW or 1
    result = Map(width=min(len(cards), CARDS_PER_ROW) * card_w + HOST_GAP if cards else 400,
                 height=rows * card_h + TOP + 10)
    for i, (kind, obj) in enumerate(cards):
        x, y = HOST_GAP + (i % CARDS_PER_ROW) * card_w, TOP + (i // CARDS_PER_ROW) * card_h
        if kind == "cluster":
            h, v = hosts_by.get(obj.pk, {"n": 0, "up": 0}), vms_by.get(obj.pk, {"n": 0, "on": 0})
            top = Box(x, y, HOST_W, 28, obj.name, obj.moid, "cluster", "up" if h["up"] == h["n"] else "maint")
            texts = [f"{h['n']} hosts" + (f", {h['n'] - h['up']} not usable" if h["up"] != h["n"] else ""),
                     f"{v['n']} virtual machines", f"{v['on']} powered on"]
        else:
            top = Box(x, y, HOST_W, 28, obj.name, obj.moid, "host", _host_state(obj))
            texts = ["standalone host"]
        result.boxes.append(top)
        for j, text in enumerate(texts):
            result.notes.append((x + 6, y + 34 + j * (VM_H + 4) + 12, text))
        ds_y = y + 34 + 3 * (VM_H + 4) + 30
        shared = list(reach.get(obj.moid, {}))
        for j, ds_id in enumerate(shared[:DATASTORES_PER_CARD]):
            ds = datastores[ds_id]
            box = Box(x + 16, ds_y + j * 36, HOST_W - 16, 28, ds.name, ds.moid, "datastore", ds.backing)
            result.boxes.append(box)
            result.lines.append((x + 6, y + 28, x + 6, box.y + 14, "host-ds"))
            result.lines.append((x + 6, box.y + 14, x + 16, box.y + 14, "host-ds"))
        extra = [f"+{len(shared) - DATASTORES_PER_CARD} shared"] if len(shared) > DATASTORES_PER_CARD else []
        if local.get(obj.moid):
            extra.append(f"{len(local[obj.moid])} local datastores")
        if extra:
            result.notes.append((x + 6, ds_y + min(len(shared), DATASTORES_PER_CARD) * 36 + 12, ", ".join(extra)))
    if len(clusters) > len(shown):
        result.notes.append((HOST_GAP, result.height - 4, f"and {len(clusters) - len(shown)} more clusters"))
    return result


@dataclass(frozen=True)
class Reach:
    host: Host
    verdict: str  # ok, warning, error, current
    reasons: list[str]


REACH_LIMIT = 40  # hosts the VMotion resources view checks and draws: its cluster's first


class Reaches(list):
    """The checked hosts (a list of Reach) and how many more the datacenter has."""

    more = 0


def vmotion_resources(vm: VirtualMachine) -> Reaches:
    """The VMotion resources map of a VM: the hosts of its datacenter, its own cluster's first, up
    to REACH_LIMIT, compatible or not, and why; their facts read in one set read."""
    hosts = Host.objects.filter(lab=vm.lab, datacenter_id=vm.host.datacenter_id)
    same = Q(cluster_id=vm.host.cluster_id) if vm.host.cluster_id else Q(cluster__isnull=True)
    picked = list(hosts.select_related("cluster").annotate(
        other=Case(When(same, then=Value(0)), default=Value(1)), total=Window(Count("pk")))
        .order_by("other", "name")[:REACH_LIMIT])
    total = picked[0].total if picked else 0
    result = Reaches()
    facts = vm_facts(vm)
    read = hosts_facts([vm.host, *[h for h in picked if h.pk != vm.host_id]], for_vm=vm)
    for host in picked:
        problems = host_problems(facts, read[vm.host_id], read[host.pk])
        if host.pk == vm.host_id:
            result.append(Reach(host, "current", []))
            continue
        verdict = "error" if any(p.is_error for p in problems) else ("warning" if problems else "ok")
        result.append(Reach(host, verdict, [p.message for p in problems]))
    result.more = total - len(picked)
    return result
