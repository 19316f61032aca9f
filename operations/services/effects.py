"""Effects: named changes to the world that the runner applies inside its transaction when an
agent (operations/engine/agents.py) asks for them, and the steps that applying faults shares.

An effect is `fn(*, lab, now, **args) -> list[Change]`: it locks what it changes (after the lab's
lock, in the documented order), changes rows, records events, and returns the engine Changes it
caused; the runner dispatches them in the same transaction (operations/services/reactions.py).
Register one with `register_effect(name, fn)`; vCenter's host connection monitor registers
`host-not-responding`, `host-connected` and `host-up` (operations/services/monitor.py); host
commands `host-command-record`, `host-disconnect`, `host-power-down`, `host-standby`, `host-wake`
(operations/services/host_commands.py). HA will add its own (and the journal API's `op.effect(name, **args)` calls them).
"""

from __future__ import annotations

from typing import Callable

from inventory.choices import HostPowerState, StorageBacking, VmPowerState
from inventory.models import Host, Lab, VirtualMachine
from operations.engine.changes import (
    Change, FtLoggingLost, FtLoggingRestored, GuestHung, GuestRecovered, ManagementLost, ManagementRestored,
    StorageLost, StorageRestored, VmDown, VmotionNetLost, VmotionNetRestored,
)
from operations.models import Fault

from .records import event_log

Effect = Callable[..., list[Change]]
EFFECTS: dict[str, Effect] = {}


def register_effect(name: str, effect: Effect) -> None:
    EFFECTS[name] = effect


def apply_effect(name: str, *, lab: Lab, now: float, **args) -> list[Change]:
    return EFFECTS[name](lab=lab, now=now, **args)


def where(host: Host) -> str:
    return f"{host.name} in {host.datacenter.name}"


def lock_hosts(host_ids, *, with_vms: bool = False) -> dict[int, Host]:
    """Lock the hosts (and first their VMs, when asked), in the documented order: VMs, then
    hosts, each by ascending pk. The lab's lock is already held."""
    ids = sorted(set(host_ids))
    if with_vms:
        list(VirtualMachine.objects.select_for_update(of=("self",)).filter(host__in=ids).order_by("pk")
             .values_list("pk"))
    hosts = Host.objects.select_for_update(of=("self",)).select_related("datacenter").filter(pk__in=ids)
    return {h.pk: h for h in hosts.order_by("pk")}


def end_guest_hangs(vm_ids, now: float) -> None:
    """The guest OS of these VMs stopped (powered off, reset): a simulated hang of theirs is over."""
    Fault.objects.filter(vm__in=list(vm_ids), kind="guest-hang", ended_sim__isnull=True).update(ended_sim=now)


def vms_go_down(host: Host, *, why: str, now: float, user) -> list[Change]:
    """The host stopped: its running VMs are powered off with it (their VMs rows are locked)."""
    running = list(host.vms.filter(power_state=VmPowerState.POWERED_ON).order_by("pk"))
    for vm in running:
        event_log(lab=host.lab, type="VmPoweredOffEvent", target=vm, user=user, severity="error", at=now,
                  message=f"{vm.name} on {host.name} is powered off: {why}")
    VirtualMachine.objects.filter(pk__in=[vm.pk for vm in running]).update(
        power_state=VmPowerState.POWERED_OFF, powered_on_at=None, guest_hung_at=None)
    end_guest_hangs([vm.pk for vm in running], now)
    return [VmDown(vm.pk) for vm in running]


def disks_unreachable(vm: VirtualMachine) -> bool:
    """The VM's files are on shared storage its host has lost every path to (its guest hangs)."""
    return not vm.host.storage_connected and vm.datastore.backing != StorageBacking.LOCAL


def shared_datastores(host: Host) -> frozenset[int]:
    return frozenset(host.datastores.exclude(backing=StorageBacking.LOCAL).values_list("pk", flat=True))


def links_from_faults(host: Host, active: list[Fault]) -> dict[str, bool]:
    """The host's physical links, as the active faults leave them."""
    own = {f.kind for f in active if f.host_id == host.pk}
    switch = any(f.kind == "management-switch" for f in active)
    return {
        "management_connected": "management-network" not in own and not switch,
        "vmotion_connected": "vmotion-network" not in own,
        "storage_connected": "storage-paths" not in own,
        "ft_logging_connected": "ft-logging-network" not in own,
    }


LINK_CHANGES = {
    "management_connected": (ManagementRestored, ManagementLost),
    "vmotion_connected": (VmotionNetRestored, VmotionNetLost),
    "ft_logging_connected": (FtLoggingRestored, FtLoggingLost),
}


def derive_links(lab: Lab, hosts: dict[int, Host], *, now: float, user) -> list[Change]:
    """Set each (locked) host's link flags from the lab's active faults; returns the Changes of
    the flags that moved. Storage paths going down hang the guests on shared storage; coming
    back resumes those that do not hang for a reason of their own (a simulated guest hang)."""
    active = list(Fault.objects.filter(lab=lab, ended_sim__isnull=True))
    changes: list[Change] = []
    for host in hosts.values():
        links = links_from_faults(host, active)
        moved = [name for name, value in links.items() if getattr(host, name) != value]
        if not moved:
            continue
        for name in moved:
            setattr(host, name, links[name])
            if name in LINK_CHANGES:
                changes.append(LINK_CHANGES[name][links[name] is False](host.pk))
        host.save(update_fields=moved)
        if "storage_connected" in moved:
            changes.extend(_storage_moved(host, active, now=now, user=user))
    return changes


def _storage_moved(host: Host, active: list[Fault], *, now: float, user) -> list[Change]:
    datastores = shared_datastores(host)
    on_shared = host.vms.filter(power_state=VmPowerState.POWERED_ON).exclude(datastore__backing=StorageBacking.LOCAL)
    if not host.storage_connected:
        event_log(lab=host.lab, type="VolumeAllPathsDownEvent", target=host, user=user, severity="error", at=now,
                  message=f"Host {where(host)} lost access to its shared datastores (all paths down)")
        hanging = list(on_shared.filter(guest_hung_at__isnull=True).order_by("pk"))
        for vm in hanging:
            event_log(lab=host.lab, type="VmGuestHungEvent", target=vm, user=user, severity="warning", at=now,
                      message=f"The guest OS of {vm.name} stopped responding: its disks are unreachable")
        VirtualMachine.objects.filter(pk__in=[vm.pk for vm in hanging]).update(guest_hung_at=now)
        return [StorageLost(host.pk, datastores), *(GuestHung(vm.pk) for vm in hanging)]
    hung_alone = {f.vm_id for f in active if f.kind == "guest-hang"}
    resuming = list(on_shared.filter(guest_hung_at__isnull=False).exclude(pk__in=hung_alone).order_by("pk"))
    VirtualMachine.objects.filter(pk__in=[vm.pk for vm in resuming]).update(guest_hung_at=None)
    event_log(lab=host.lab, type="VolumeAccessRestoredEvent", target=host, user=user, at=now,
              message=f"Host {where(host)} regained access to its shared datastores; their guests resume")
    return [StorageRestored(host.pk, datastores), *(GuestRecovered(vm.pk) for vm in resuming)]


def powered_on(host: Host) -> bool:
    return host.power_state == HostPowerState.POWERED_ON


def partitioned(lab_id: int, a: int, b: int) -> bool:
    """A simulated network partition separates hosts `a` and `b` now."""
    pair = Fault.objects.filter(lab_id=lab_id, kind="network-partition", ended_sim__isnull=True)
    return pair.filter(host_id=a, peer_id=b).exists() or pair.filter(host_id=b, peer_id=a).exists()
