"""Migrate (REFERENCE.md §1 and §4): VMotion, Storage VMotion and cold migration.

vm_migrate runs the wizard's checks and queues the task; the runner begins it when the hosts
have a free VMotion slot (re-checking everything, reserving CPU for high priority), plays the
pre-copy or copy plan on the simulated clock, and commits the move in one transaction at the
end. Until then the VM stays where it was: a failed or canceled migration leaves it on the
source, and it is never on two hosts.
"""

from __future__ import annotations

import random

from inventory.choices import VmPowerState
from inventory.models import Datastore, Host, VirtualMachine
from inventory.selectors import datastore_free_mb, usage_by_host
from inventory.rules import Choice
from inventory.services.common import refuse
from inventory.services.vms import _check_host_reservations
from operations.checks import Problem, errors
from operations.checks.migrate import MAX_VMS_PER_HOST, both_problems, datastore_problems, host_problems
from operations.engine import storage, vmotion
from operations.engine.changes import datastore_key, host_key, vm_key
from operations.engine.workloads import WORKLOADS
from operations.facts import datastore_facts, host_facts, hosts_facts, vm_facts
from operations.faults import InsufficientResources, InvalidArgument, InvalidState
from operations.kinds import Dependencies, Kind, register
from operations.models import Task

from .connection import require_reachable
from .effects import partitioned
from .locking import lab_write, reread
from .records import event_log, task_failed_event, task_queued
from .tasks import locked_vm, require_idle

PRIORITIES = ("high", "low")
PRIORITY = Choice("VMotion priority", PRIORITIES)


def migration_problems(vm: VirtualMachine, *, host: Host | None, datastore: Datastore | None) -> list[Problem]:
    """What the wizard's compatibility panel shows for this destination."""
    facts = vm_facts(vm)
    read = hosts_facts([vm.host] + ([host] if host is not None and host.pk != vm.host_id else []), for_vm=vm)
    src = read[vm.host_id]
    if host is not None and datastore is not None:
        return both_problems(facts, src, read[host.pk], datastore_facts(datastore))
    if host is not None:
        return host_problems(facts, src, read[host.pk])
    if datastore is not None:
        return datastore_problems(facts, src, datastore_facts(datastore))
    return [Problem("error", "Select a destination host or datastore.")]


def host_compatibility(vm: VirtualMachine, hosts) -> list[tuple[Host, list[Problem]]]:
    """Change host to each of `hosts`: the problems per host, with the VM's and its source's
    facts read once (the wizard's compatibility column, the VMotion resources map)."""
    hosts = list(hosts)
    facts = vm_facts(vm)
    read = hosts_facts([vm.host, *[h for h in hosts if h.pk != vm.host_id]], for_vm=vm)  # one set read
    src = read[vm.host_id]
    return [(host, host_problems(facts, src, read[host.pk])) for host in hosts]


@lab_write("vm")
def vm_migrate(
    *, vm: VirtualMachine, user, host: Host | None = None, datastore: Datastore | None = None, priority: str = "high",
) -> Task:
    """Start a migration. Change host of a running VM = VMotion ("Migrate virtual machine"); change
    datastore of a running VM = Storage VMotion ("Relocate virtual machine storage"); a
    powered-off VM is cold-migrated, host and datastore at once if both are given."""
    vm = locked_vm(vm.pk)
    refuse(PRIORITY.problems(priority))
    host = reread(host, "cluster") if host is not None else None
    datastore = reread(datastore) if datastore is not None else None
    for obj in (host, datastore):
        if obj is not None and obj.lab_id != vm.lab_id:
            raise InvalidArgument(f"{obj.name} is not in this lab.")
    require_idle(vm)
    if vm.power_state == VmPowerState.SUSPENDED:
        raise InvalidState(f"{vm.name} is suspended: power it on or off before you migrate it.")
    problems = errors(migration_problems(vm, host=host, datastore=datastore))
    if problems:
        raise InvalidState(*problems)
    live = vm.power_state == VmPowerState.POWERED_ON
    params = {"vm": vm.pk, "src": vm.host_id, "host": host.pk if host else None,
              "datastore": datastore.pk if datastore else None, "priority": priority, "live": live}
    if live and host is not None:
        return task_queued(lab=vm.lab, name="Migrate virtual machine", kind="vm.vmotion", target=vm, user=user,
                           params=params)
    name = "Relocate virtual machine storage" if datastore is not None and host is None else "Migrate virtual machine"
    return task_queued(lab=vm.lab, name=name, kind="vm.relocate", target=vm, user=user, params=params)


# --- VMotion, as the runner plays it --------------------------------------------------------

def _hosts(task: Task) -> tuple[Host, Host]:
    hosts = Host.objects.select_related("cluster").in_bulk([task.params["src"], task.params["host"]])
    if len(hosts) < 2:
        raise InvalidState("The source or destination host was removed from the inventory.")
    return hosts[task.params["src"]], hosts[task.params["host"]]


def _vmotion_needs(task: Task) -> dict[str, int]:
    src, dst = _hosts(task)
    vm = VirtualMachine.objects.select_related("datastore").get(pk=task.params["vm"])
    return {src.name: vmotion.host_limit(src.nic_gbps), dst.name: vmotion.host_limit(dst.nic_gbps),
            f"datastore {vm.datastore.name}": vmotion.CONCURRENT_PER_DATASTORE}


def _vmotion_depends(task: Task) -> Dependencies:
    src, dst = task.params["src"], task.params["host"]
    names = dict(Host.objects.filter(pk__in=[src, dst]).values_list("pk", "name"))
    return Dependencies(
        keys={host_key(src): "source", host_key(dst): "destination", vm_key(task.params["vm"]): "vm"},
        facts={"vm": task.object_name, "src": names.get(src, f"host-{src}"), "dst": names.get(dst, f"host-{dst}"),
               "src_id": src, "dst_id": dst},
    )


def _require_vmotion_network(vm: VirtualMachine, src: Host, dst: Host) -> None:
    """The two hosts reach each other over the VMotion network: both uplinks in, no partition."""
    if not (src.vmotion_connected and dst.vmotion_connected) or partitioned(vm.lab_id, src.pk, dst.pk):
        raise InvalidState(vmotion.network_failed(vm=vm.name, src=src.name))


def _vmotion_begin(task: Task, now: float, sharing: int) -> dict:
    vm = locked_vm(task.params["vm"])
    src, dst = _hosts(task)
    for host in (src, dst):  # vCenter reaches both hosts to begin
        require_reachable(host)
    _require_vmotion_network(vm, src, dst)
    if vm.host_id != src.pk:
        raise InvalidState(f"{vm.name} is no longer on {src.name}.")
    if vm.power_state != VmPowerState.POWERED_ON:
        raise InvalidState(f"{vm.name} was powered off before its migration began.")
    facts = hosts_facts([src, dst], for_vm=vm)  # both hosts in one set read
    problems = errors(host_problems(vm_facts(vm), facts[src.pk], facts[dst.pk]))
    if problems:
        raise InvalidState(*problems)
    reserve = 0
    if task.params["priority"] == "high":
        for host in (src, dst):
            need = vmotion.cpu_reservation_mhz(host.nic_gbps, host.cpu_mhz)
            # what is unreserved counts the CPU other high-priority VMotions hold there
            free = host_facts(host, for_vm=vm if host == dst else None).cpu_unreserved_mhz
            if need > free:
                raise InsufficientResources(
                    f"Insufficient CPU resources on {host.name} to reserve {need} MHz for a high priority VMotion "
                    f"({max(0, free)} MHz unreserved). Retry with 'Perform with available CPU resources' (low "
                    f"priority), or lower the CPU reservations on the host."
                )
        reserve = max(vmotion.cpu_reservation_mhz(h.nic_gbps, h.cpu_mhz) for h in (src, dst))
    usage = usage_by_host([src, dst])
    busy = max(usage[h.pk].cpu_percent for h in (src, dst)) / 100
    workload = WORKLOADS[vm.workload]
    # deterministic per lab seed and the task's rank in its lab (not its pk, which depends on the
    # database's other labs): a scenario replays the same on any fresh lab (tests/scenarios/*.log)
    rank = Task.objects.filter(lab_id=task.lab_id, pk__lt=task.pk).count()
    jitter = random.Random(f"{vm.lab.seed}:{rank}").uniform(0.9, 1.1)
    return {
        "memory_mb": vm.memory_mb, "active_mb": round(vm.memory_mb * workload.memory_active),
        "dirty_mb_s": round(workload.dirty_mb_s * jitter, 2),
        "bandwidth_mb_s": round(vmotion.bandwidth_mb_s(
            src_gbps=src.nic_gbps, dst_gbps=dst.nic_gbps, sharing=sharing, priority=task.params["priority"],
            cpu_busy=busy), 2),
        "sharing": sharing, "cpu_reserved_mhz": reserve, "src_name": src.name, "dst_name": dst.name,
    }


def _vmotion_plan(task: Task, inputs: dict):
    precopy = vmotion.plan_precopy(memory_mb=inputs["memory_mb"], active_mb=inputs["active_mb"],
                                   dirty_mb_s=inputs["dirty_mb_s"], bandwidth_mb_s=inputs["bandwidth_mb_s"])
    return vmotion.vmotion_plan(precopy=precopy, src=inputs["src_name"], dst=inputs["dst_name"])


def _vmotion_commit(task: Task, commit: str, facts: dict, now: float) -> None:
    vm = locked_vm(task.params["vm"])
    src, dst = _hosts(task)
    if vm.host_id != src.pk or vm.power_state != VmPowerState.POWERED_ON:
        raise InvalidState(f"{vm.name} changed state during the migration; it stays on {vm.host.name}.")
    for host in (src, dst):  # and again to switch over
        require_reachable(host)
    _require_vmotion_network(vm, src, dst)
    if not dst.is_usable:
        raise InvalidState(f"Host {dst.name} {dst.unusable_reason}; {vm.name} stays on {src.name}.")
    # this migration's own CPU reservation ends with it: not counted against it
    both = hosts_facts([src, dst], for_vm=vm, exclude_task=task)
    problems = errors(host_problems(vm_facts(vm), both[src.pk], both[dst.pk]))
    if problems:  # something changed during the pre-copy (EVC, the VMotion port, storage...)
        raise InvalidState(*problems, f"{vm.name} stays on {src.name}.")
    _check_host_reservations(vm, dst, exclude_task=task)
    vm.host, vm.last_stun_at, vm.last_stun_ms = dst, now, facts["stun_ms"]
    vm.save(update_fields=["host", "last_stun_at", "last_stun_ms"])
    event_log(lab=vm.lab, type="VmMigratedEvent", target=vm, user=task.initiator, task=task, at=now, message=(
        f"Migration of virtual machine {vm.name} from {src.name} to {dst.name} completed: "
        f"{facts['rounds']} pre-copy round(s), guest stunned {facts['stun_ms']} ms"))


def _migration_failed(task: Task, message: str, now: float) -> None:
    task_failed_event(task=task, type="VmFailedMigrateEvent", at=now,
                      message=f"Failed to migrate {task.object_name}: {message}")


register("vm.vmotion", Kind(begin=_vmotion_begin, plan=_vmotion_plan, commit=_vmotion_commit,
                            failed=_migration_failed, needs=_vmotion_needs, depends=_vmotion_depends,
                            react=vmotion.react))


# --- Storage VMotion and cold migration -----------------------------------------------------

def _relocate_targets(task: Task) -> tuple[Host | None, Datastore | None]:
    host = Host.objects.filter(pk=task.params["host"]).first() if task.params["host"] else None
    datastore = Datastore.objects.filter(pk=task.params["datastore"]).first() if task.params["datastore"] else None
    if (task.params["host"] and host is None) or (task.params["datastore"] and datastore is None):
        raise InvalidState("The destination was removed from the inventory.")
    return host, datastore


def _relocate_depends(task: Task) -> Dependencies:
    """The host doing the copy (the VM's), a new host, and every datastore the copy reads or writes."""
    vm = VirtualMachine.objects.select_related("host", "datastore").get(pk=task.params["vm"])
    datastores = {vm.datastore_id: vm.datastore.name}
    datastores.update(dict(vm.disks.values_list("datastore_id", "datastore__name")))
    if task.params["datastore"]:
        datastores.update(dict(Datastore.objects.filter(pk=task.params["datastore"]).values_list("pk", "name")))
    keys = {host_key(vm.host_id): "host", vm_key(vm.pk): "vm", **{datastore_key(d): "datastore" for d in datastores}}
    dst = None
    if task.params["host"]:
        keys[host_key(task.params["host"])] = "destination"
        dst = Host.objects.filter(pk=task.params["host"]).values_list("name", flat=True).first()
    return Dependencies(keys=keys, facts={"vm": vm.name, "host": vm.host.name, "host_id": vm.host_id, "dst": dst,
                                          "datastores": datastores})


def _require_paths(vm: VirtualMachine, datastore: Datastore | None) -> None:
    """The host doing the copy reaches every shared datastore the copy reads or writes."""
    if vm.host.storage_connected:
        return
    used = [vm.datastore, *(d.datastore for d in vm.disks.select_related("datastore")), datastore]
    lost = next((d for d in used if d is not None and d.backing != "local"), None)
    if lost is not None:
        raise InvalidState(storage.PATHS_DOWN.format(ds=lost.name, host=vm.host.name, vm=vm.name))


def _relocate_begin(task: Task, now: float, sharing: int) -> dict:
    vm = locked_vm(task.params["vm"])
    host, datastore = _relocate_targets(task)
    for reached in (vm.host, host):
        if reached is not None:
            require_reachable(reached)
    _require_paths(vm, datastore)
    live = vm.power_state == VmPowerState.POWERED_ON
    if live != task.params["live"]:
        raise InvalidState(f"{vm.name} was powered {'on' if live else 'off'} before its migration began.")
    problems = errors(migration_problems(vm, host=host, datastore=datastore))
    if problems:
        raise InvalidState(*problems)
    disks = [] if datastore is None else [
        {"label": d.label, "used_mb": d.used_mb} for d in vm.disks.select_related("datastore") if d.datastore_id != datastore.pk
    ]
    return {
        "disks": disks, "write_mb_s": WORKLOADS[vm.workload].disk_write_mb_s if live else 0.0,
        "bandwidth_mb_s": storage.copy_mb_s(vm.datastore.backing, datastore.backing) if datastore else 0.0,
        "dst_name": datastore.name if datastore else host.name, "live": live, "copy": datastore is not None,
    }


def _relocate_plan(task: Task, inputs: dict):
    if not inputs["copy"]:
        return storage.register_plan(dst=inputs["dst_name"])
    return storage.relocate_plan(
        disks=[storage.DiskCopy(d["label"], d["used_mb"]) for d in inputs["disks"]], write_mb_s=inputs["write_mb_s"],
        bandwidth_mb_s=inputs["bandwidth_mb_s"], dst=inputs["dst_name"], live=inputs["live"],
    )


def _relocate_commit(task: Task, commit: str, facts: dict, now: float) -> None:
    vm = locked_vm(task.params["vm"])
    host, datastore = _relocate_targets(task)
    src = vm.host
    if (vm.power_state == VmPowerState.POWERED_ON) != task.params["live"]:
        raise InvalidState(f"{vm.name} was powered {'on' if task.params['live'] is False else 'off'} during the "
                           f"migration; its files stay where they were.")
    for reached in (src, host):
        if reached is not None:
            require_reachable(reached)
    _require_paths(vm, datastore)
    if task.params["live"] and not src.is_usable:
        raise InvalidState(f"Host {src.name} {src.unusable_reason}; {vm.name} could not switch to its new files.")
    moves = []
    if datastore is not None:
        moves = [d for d in vm.disks.all() if d.datastore_id != datastore.pk]
        needed = sum(d.used_mb for d in moves)
        free = datastore_free_mb(datastore)
        if needed > free:
            raise InsufficientResources(
                f"Insufficient disk space on datastore '{datastore.name}': {needed:,} MB needed, {free:,} MB free.")
        for disk in moves:
            disk.datastore = datastore
            disk.save(update_fields=["datastore"])
        vm.datastore = datastore
    if host is not None:
        if not host.is_usable:
            raise InvalidState(f"Host {host.name} {host.unusable_reason}.")
        if host.vms.count() >= MAX_VMS_PER_HOST:
            raise InvalidState(f"Host {host.name} already has {MAX_VMS_PER_HOST} virtual machines, the vSphere 4.1 "
                               f"maximum; {vm.name} stays on {src.name}.")
        vm.host = host
    vm.save(update_fields=["host", "datastore"])
    where = []
    if host is not None:
        where.append(f"from {src.name} to {host.name}")
    if datastore is not None:
        where.append(f"to datastore {datastore.name}")
    kind = "Storage VMotion" if task.params["live"] else "Cold migration"
    event_log(lab=vm.lab, type="VmRelocatedEvent" if host is None else "VmMigratedEvent", target=vm,
              user=task.initiator, task=task, at=now,
              message=f"{kind} of {vm.name} {' '.join(where)} completed"
                      + (f": {len(moves)} disk(s), {facts.get('cbt_rounds', 0)} CBT round(s)" if moves else ""))


register("vm.relocate", Kind(begin=_relocate_begin, plan=_relocate_plan, commit=_relocate_commit,
                             failed=_migration_failed, depends=_relocate_depends, react=storage.react))
