"""Simulated failures (the catalogue: operations/engine/fault_kinds.py), for the lessons of HA and
FT: what happens to a host that loses power or crashes, loses its management, VMotion or FT
logging network or its paths to shared storage, two hosts that cannot reach each other, the
management switch, and a guest OS that hangs.

The services (`fault_start`, `fault_end`, `fault_restore`, and the old endpoints' actions
`host_fault_action` / `vm_fault_action`) never edit the world: they check what can be checked
now and write an Input (operations/services/inputs.py) at the current instant. The runner applies
it at that instant (`_apply_start`, `_apply_end`): the physical change, the Fault row (created, or
ended), the events, and the engine Changes that make running operations and vCenter's host
connection monitor react, all in one transaction. Nothing restarts VMs yet (HA comes later).
"""

from __future__ import annotations

from inventory.choices import HostPowerState, VmPowerState
from inventory.models import Host, Lab, VirtualMachine
from inventory.rules import Choice
from inventory.selectors import active_faults
from inventory.services.common import refuse
from operations.engine.changes import (
    GuestHung, GuestRecovered, HostBooting, HostDown, PartitionEnded, PartitionStarted,
)
from operations.engine.fault_kinds import (
    FAULT_KINDS, FAULT_TYPES, HOST, HOST_ACTIONS, LAB, PAIR, VM, VM_ACTIONS, FaultKind, already, ended_by,
    not_simulated, started_by,
)
from operations.engine.fault_kinds import where as fault_where
from operations.engine.monitor import BOOTING
from operations.engine.monitor import key as monitor_key
from operations.faults import InvalidArgument, InvalidState
from operations.models import Agent, Fault, Input

from .effects import derive_links, disks_unreachable, end_guest_hangs, lock_hosts, powered_on, vms_go_down
from .inputs import Applied, input_write, register_input
from .locking import lab_write, reread
from .records import event_log

FAULT_TYPE = Choice("fault type", FAULT_TYPES)
HOST_FAULT = Choice("host fault", HOST_ACTIONS)
VM_FAULT = Choice("virtual machine fault", VM_ACTIONS)
START, END = "fault.start", "fault.end"
POWER_ON = "host.power-on"  # a host powered off by Shut Down (no simulated failure to end) is powered on

STARTED = {  # the lab's note of what the teacher (or a scenario) broke
    "host-power-off": "Simulated failure: {host} lost power",
    "host-crash": "Simulated failure: {host} crashed (purple diagnostic screen)",
    "management-network": "Simulated failure: the management network cable of {host} is pulled; its virtual "
                          "machines keep running",
    "vmotion-network": "Simulated failure: the VMotion network cable of {host} is pulled",
    "storage-paths": "Simulated failure: every path from {host} to its shared storage is down",
    "ft-logging-network": "Simulated failure: the FT logging network cable of {host} is pulled",
    "network-partition": "Simulated failure: {host} and {peer} cannot reach each other (network partition); vCenter "
                         "still reaches both",
    "management-switch": "Simulated failure: the management network switch is down; no host's management network "
                         "reaches vCenter",
}
ENDED = {
    "host-power-off": "Simulated failure ended: {host} is powered on; ESXi boots",
    "host-crash": "Simulated failure ended: {host} is powered on again (reboot); ESXi boots",
    "management-network": "Simulated failure ended: the management network cable of {host} is back",
    "vmotion-network": "Simulated failure ended: the VMotion network cable of {host} is back",
    "storage-paths": "Simulated failure ended: the paths from {host} to its shared storage are back",
    "ft-logging-network": "Simulated failure ended: the FT logging network cable of {host} is back",
    "network-partition": "Simulated failure ended: {host} and {peer} reach each other again",
    "management-switch": "Simulated failure ended: the management network switch is back (hosts whose own cable is "
                         "out stay cut)",
}
WHY_DOWN = {"host-power-off": "its host lost power", "host-crash": "its host failed (purple diagnostic screen)"}


def _target(kind: FaultKind, host_id, peer_id, vm_id) -> tuple:
    """What a fault is on, the same whichever way a pair is named."""
    if kind.needs == PAIR:
        return tuple(sorted((host_id, peer_id)))
    return {HOST: (host_id,), VM: (vm_id,), LAB: ()}[kind.needs]


def _names(lab_id: int, host_id=None, peer_id=None, vm_id=None) -> dict[str, str]:
    ids = [h for h in (host_id, peer_id) if h]
    hosts = dict(Host.objects.filter(lab_id=lab_id, pk__in=ids).values_list("pk", "name"))
    vm = VirtualMachine.objects.filter(lab_id=lab_id, pk=vm_id).values_list("name", flat=True).first()
    return {"host": hosts.get(host_id, f"host-{host_id}"), "peer": hosts.get(peer_id, f"host-{peer_id}"),
            "vm": vm or f"vm-{vm_id}"}


def _simulated(lab: Lab) -> list[dict]:
    """What is broken once the pending fault inputs are applied, in order: the active faults,
    then each pending start added and each pending end taken away."""
    found = [{"type": f.kind, "host": f.host_id, "peer": f.peer_id, "vm": f.vm_id, "fault": f.pk}
             for f in Fault.objects.filter(lab=lab, ended_sim__isnull=True).order_by("pk")]
    for pending in Input.objects.filter(lab=lab, applied=False, kind__in=(START, END)).order_by("pk"):
        p = pending.payload
        if pending.kind == START:
            found.append({**p, "fault": None})
            continue
        match = _matching(found, p)
        if match is not None:
            found.remove(match)
    return found


def _matching(entries: list[dict], payload: dict) -> dict | None:
    """The entry a restore's payload ends: the fault it names, or the first of its kind and target."""
    if payload.get("fault") is not None:
        return next((e for e in entries if e["fault"] == payload["fault"]), None)
    kind = FAULT_KINDS[payload["type"]]
    target = _target(kind, payload.get("host"), payload.get("peer"), payload.get("vm"))
    return next((e for e in entries if e["type"] == payload["type"]
                 and _target(kind, e["host"], e["peer"], e["vm"]) == target), None)


def _objects(lab: Lab, kind: FaultKind, host, peer, vm) -> tuple[Host | None, Host | None, VirtualMachine | None]:
    """The objects a fault of `kind` needs, re-read, in this lab; anything missing or extra is refused."""
    given = {"host": host, "peer": peer, "vm": vm}
    needed = {HOST: {"host"}, PAIR: {"host", "peer"}, VM: {"vm"}, LAB: set()}[kind.needs]
    words = {"host": ("host", "host"), "peer": ("second host (peer)", "peer"), "vm": ("virtual machine",) * 2}
    problems = [f"A {kind.noun} needs a {words[name][0]}." for name in given if name in needed and given[name] is None]
    problems += [f"A {kind.noun} takes no {words[name][1]}." for name in given
                 if name not in needed and given[name] is not None]
    refuse(problems)
    found = [reread(obj) if obj is not None else None for obj in (host, peer, vm)]
    for obj in found:
        if obj is not None and obj.lab_id != lab.pk:
            raise InvalidArgument(f"{obj.name} is not in this lab.")
    if kind.needs == PAIR and found[0].pk == found[1].pk:
        raise InvalidArgument(f"A {kind.noun} is between two different hosts.")
    return found[0], found[1], found[2]


def _booting(host: Host) -> bool:
    return Agent.objects.filter(lab_id=host.lab_id, key=monitor_key(host.pk), state=BOOTING).exists()


@lab_write("lab")
def fault_start(*, lab: Lab, kind: str, user, host: Host | None = None, peer: Host | None = None,
                vm: VirtualMachine | None = None) -> Input:
    """Simulate a failure of `kind` (on `host`, between `host` and `peer`, on `vm`, or lab-wide)
    at the current instant. Refused when the same failure, or one that excludes it (a crash and a
    power failure), is already simulated on that object or about to be."""
    refuse(FAULT_TYPE.problems(kind))
    spec = FAULT_KINDS[kind]
    host, peer, vm = _objects(lab, spec, host, peer, vm)
    target = _target(spec, host and host.pk, peer and peer.pk, vm and vm.pk)
    for entry in _simulated(lab):
        other = FAULT_KINDS[entry["type"]]
        if other.exclusive == spec.exclusive and _target(other, entry["host"], entry["peer"], entry["vm"]) == target:
            raise InvalidState(already(other, **_names(lab.pk, entry["host"], entry["peer"], entry["vm"])))
    if spec.group == "power" and host.power_state != HostPowerState.POWERED_ON and not _booting(host):
        raise InvalidState(f"Host {host.name} is already powered off.")
    if kind == "guest-hang":
        if vm.power_state != VmPowerState.POWERED_ON:
            raise InvalidState(f"{vm.name} is not powered on: its guest cannot hang.")
        if vm.guest_hung_at is not None:
            raise InvalidState(f"The guest OS of {vm.name} already hangs.")
    payload = {"type": kind, "host": host and host.pk, "peer": peer and peer.pk, "vm": vm and vm.pk}
    return input_write(lab=lab, kind=START, payload=payload, user=user)


@lab_write("fault")
def fault_end(*, fault: Fault, user) -> Input:
    """Restore a simulated failure (the fault panel's Restore)."""
    fault = reread(fault)
    spec = FAULT_KINDS[fault.kind]
    names = _names(fault.lab_id, fault.host_id, fault.peer_id, fault.vm_id)
    if fault.ended_sim is not None:
        raise InvalidState(f"{spec.label} on {fault_where(spec, **names)} was already restored.")
    if not any(e["fault"] == fault.pk for e in _simulated(fault.lab)):
        raise InvalidState(f"{spec.label} on {fault_where(spec, **names)} is already being restored.")
    payload = {"type": fault.kind, "host": fault.host_id, "peer": fault.peer_id, "vm": fault.vm_id, "fault": fault.pk}
    return input_write(lab=fault.lab, kind=END, payload=payload, user=user)


@lab_write("lab")
def fault_restore(*, lab: Lab, kind: str, user, host: Host | None = None, peer: Host | None = None,
                  vm: VirtualMachine | None = None) -> Input:
    """Restore the failure of `kind` simulated on this object (a scenario's "reconnect ...")."""
    refuse(FAULT_TYPE.problems(kind))
    return _restore(lab, (FAULT_KINDS[kind],), host, peer, vm, user)


def _restore(lab: Lab, kinds: tuple[FaultKind, ...], host, peer, vm, user) -> Input:
    host, peer, vm = _objects(lab, kinds[0], host, peer, vm)
    ids = (host and host.pk, peer and peer.pk, vm and vm.pk)
    for entry in _simulated(lab):
        spec = FAULT_KINDS[entry["type"]]
        if spec in kinds and _target(spec, entry["host"], entry["peer"], entry["vm"]) == _target(spec, *ids):
            payload = {"type": spec.kind, "host": entry["host"], "peer": entry["peer"], "vm": entry["vm"],
                       "fault": entry["fault"]}
            return input_write(lab=lab, kind=END, payload=payload, user=user)
    if kinds[0].group == "power" and host is not None and _shut_down(host):
        return input_write(lab=lab, kind=POWER_ON, payload={"host": host.pk}, user=user)
    raise InvalidState(not_simulated(kinds[0], **_names(lab.pk, *ids)))


def can_power_on(host: Host) -> bool:
    """Whether Power On makes sense for the host now: powered off and not already booting (a
    reboot's or a restore's boot runs by itself)."""
    return host.power_state == HostPowerState.POWERED_OFF and not _booting(host)


def _shut_down(host: Host) -> bool:
    """Powered off without a simulated failure (Shut Down), not booting, no power-on pending."""
    pending = Input.objects.filter(lab_id=host.lab_id, applied=False, kind=POWER_ON, payload__host=host.pk)
    return host.power_state == HostPowerState.POWERED_OFF and not _booting(host) and not pending.exists()


def host_fault_action(*, host: Host, action: str, user) -> Input:
    """A host's fault by its action's name (`crash`, `power-on`, `disconnect-management-network`...:
    the old endpoint's and scenario scripts' words)."""
    refuse(HOST_FAULT.problems(action))
    start = started_by(action, HOST)
    if start is not None:
        return fault_start(lab=host.lab, kind=start.kind, host=host, user=user)
    return _restore_action(lab=host.lab, kinds=ended_by(action, HOST), user=user, host=host)


def vm_fault_action(*, vm: VirtualMachine, action: str, user) -> Input:
    """A VM's fault by its action's name: `guest-hang` or `guest-recover`."""
    refuse(VM_FAULT.problems(action))
    start = started_by(action, VM)
    if start is not None:
        return fault_start(lab=vm.lab, kind=start.kind, vm=vm, user=user)
    return _restore_action(lab=vm.lab, kinds=ended_by(action, VM), user=user, vm=vm)


@lab_write("lab")
def fault_restore_all(*, lab: Lab, user) -> list[Input]:
    """Restore every simulated failure of the lab not being restored already (the fault panel's
    Restore all), in one transaction: all or none."""
    return [fault_end(fault=fault, user=user) for fault in active_faults(lab) if not fault.restoring]


@lab_write("lab")
def _restore_action(*, lab: Lab, kinds: tuple[FaultKind, ...], user, host=None, vm=None) -> Input:
    if kinds[0].kind == "guest-hang" and vm is not None:
        vm = reread(vm, "host", "datastore")
        hung_alone = any(e["type"] == "guest-hang" and e["vm"] == vm.pk for e in _simulated(lab))
        if vm.guest_hung_at is not None and disks_unreachable(vm) and not hung_alone:
            raise InvalidState(f"The guest OS of {vm.name} cannot recover: host {vm.host.name} still has no access to "
                               f"its disks. Restore the host's storage paths.")
    return _restore(lab, kinds, host, None, vm, user)


# --- applying them (the runner, at their instant, in its transaction) ----------------------------

def _ignored(record: Input, why: str, now: float) -> Applied:
    event_log(lab=record.lab, type="SimulationInputIgnoredEvent", target=record.lab, user=record.initiator, at=now,
              message=f"Ignored {record.kind} {record.payload.get('type', '')}: {why}")
    return Applied(f"ignored: {why}")


def _resolve(record: Input) -> tuple[Host | None, Host | None, VirtualMachine | None, str | None]:
    """The payload's objects as they are now, or why they cannot be (removed meanwhile)."""
    p = record.payload
    found = []
    for model, key, what in ((Host, "host", "host"), (Host, "peer", "host"), (VirtualMachine, "vm", "vm")):
        if p.get(key) is None:
            found.append(None)
            continue
        obj = model.objects.filter(lab_id=record.lab_id, pk=p[key]).first()
        if obj is None:
            return None, None, None, f"{what}-{p[key]} is no longer in the inventory"
        found.append(obj)
    return found[0], found[1], found[2], None


def _active(lab_id: int, spec: FaultKind, host, peer, vm) -> list[Fault]:
    ids = (host and host.pk, peer and peer.pk, vm and vm.pk)
    return [f for f in Fault.objects.filter(lab_id=lab_id, ended_sim__isnull=True).order_by("pk")
            if FAULT_KINDS[f.kind].exclusive == spec.exclusive
            and _target(FAULT_KINDS[f.kind], f.host_id, f.peer_id, f.vm_id) == _target(spec, *ids)]


def _apply_start(record: Input, now: float) -> Applied:
    spec = FAULT_KINDS[record.payload["type"]]
    host, peer, vm, missing = _resolve(record)
    if missing:
        return _ignored(record, missing, now)
    lab, user = record.lab, record.initiator
    names = _names(lab.pk, host and host.pk, peer and peer.pk, vm and vm.pk)
    existing = _active(lab.pk, spec, host, peer, vm)
    if existing:
        return _ignored(record, already(FAULT_KINDS[existing[0].kind], **names), now)
    if spec.group == "power":
        host = lock_hosts([host.pk], with_vms=True)[host.pk]
        if not powered_on(host) and not _booting(host):
            return _ignored(record, f"host {host.name} is already powered off", now)
    elif spec.kind == "guest-hang":
        vm = VirtualMachine.objects.select_for_update(of=("self",)).select_related("host").get(pk=vm.pk)
        if vm.power_state != VmPowerState.POWERED_ON:
            return _ignored(record, f"{vm.name} is not powered on", now)
    Fault.objects.create(lab=lab, kind=spec.kind, host=host, peer=peer, vm=vm, started_sim=now, input=record)
    # the cause first in the event log, then what it did
    if spec.kind == "guest-hang":
        event_log(lab=lab, type="VmGuestHungEvent", target=vm, user=user, severity="warning", at=now,
                  message=f"The guest OS of {vm.name} on {vm.host.name} stopped responding")
    else:
        event_log(lab=lab, type="SimulatedFailureEvent", target=host or lab, user=user, severity="error", at=now,
                  message=STARTED[spec.kind].format(**names))
    if spec.group == "power":
        host.power_state = HostPowerState.POWERED_OFF
        host.save(update_fields=["power_state"])
        return Applied("", [HostDown(host.pk), *vms_go_down(host, why=WHY_DOWN[spec.kind], now=now, user=user)])
    if spec.kind == "guest-hang":
        if vm.guest_hung_at is None:
            vm.guest_hung_at = now
            vm.save(update_fields=["guest_hung_at"])
        return Applied("", [GuestHung(vm.pk)])
    if spec.kind == "network-partition":
        return Applied("", [PartitionStarted(*sorted((host.pk, peer.pk)))])
    affected = Host.objects.filter(lab=lab) if spec.needs == LAB else [host]
    hosts = lock_hosts([h.pk for h in affected], with_vms=spec.kind == "storage-paths")
    return Applied("", derive_links(lab, hosts, now=now, user=user))


def _apply_end(record: Input, now: float) -> Applied:
    p = record.payload
    spec = FAULT_KINDS[p["type"]]
    lab, user = record.lab, record.initiator
    names = _names(lab.pk, p.get("host"), p.get("peer"), p.get("vm"))
    if p.get("fault") is not None:
        fault = Fault.objects.filter(lab=lab, pk=p["fault"], ended_sim__isnull=True).first()
    else:
        host, peer, vm, _ = _resolve(record)
        fault = next((f for f in _active(lab.pk, spec, host, peer, vm) if f.kind == spec.kind), None)
    if fault is None:
        return _ignored(record, not_simulated(spec, **names), now)
    fault.ended_sim = now
    fault.save(update_fields=["ended_sim"])
    if spec.kind == "guest-hang":
        vm = VirtualMachine.objects.select_for_update(of=("self",)).select_related("host", "datastore").get(
            pk=fault.vm_id)
        if vm.guest_hung_at is not None and not disks_unreachable(vm):
            vm.guest_hung_at = None
            vm.save(update_fields=["guest_hung_at"])
            event_log(lab=lab, type="VmGuestRecoveredEvent", target=vm, user=user, at=now,
                      message=f"The guest OS of {vm.name} on {vm.host.name} responds again")
            return Applied("", [GuestRecovered(vm.pk)])
        event_log(lab=lab, type="VmGuestRecoveredEvent", target=vm, user=user, at=now,
                  message=f"The simulated hang of {vm.name} ended; its guest still hangs: its disks are unreachable")
        return Applied("", [])
    target = Host.objects.filter(pk=fault.host_id).first() if fault.host_id else lab
    event_log(lab=lab, type="SimulatedFailureRestoredEvent", target=target, user=user, at=now,
              message=ENDED[spec.kind].format(**names))
    if spec.group == "power":
        host = lock_hosts([fault.host_id])[fault.host_id]
        # vCenter's host monitor plays the boot (engine/monitor.py)
        return Applied("", [] if powered_on(host) else [HostBooting(host.pk)])
    if spec.kind == "network-partition":
        return Applied("", [PartitionEnded(*sorted((fault.host_id, fault.peer_id)))])
    affected = Host.objects.filter(lab=lab) if spec.needs == LAB else Host.objects.filter(pk=fault.host_id)
    hosts = lock_hosts([h.pk for h in affected], with_vms=spec.kind == "storage-paths")
    return Applied("", derive_links(lab, hosts, now=now, user=user))


def _apply_power_on(record: Input, now: float) -> Applied:
    """Someone pressed the power button of a host that was shut down: ESXi boots (the monitor)."""
    host, _, _, missing = _resolve(record)
    if missing:
        return _ignored(record, missing, now)
    host = lock_hosts([host.pk])[host.pk]
    if host.power_state != HostPowerState.POWERED_OFF or _booting(host):
        return _ignored(record, f"host {host.name} is not powered off", now)
    event_log(lab=record.lab, type="GeneralHostInfoEvent", target=host, user=record.initiator, at=now,
              message=f"Host {host.name} is powered on; ESXi boots")
    return Applied("", [HostBooting(host.pk)])


def guest_restarted(vm: VirtualMachine, now: float) -> None:
    """The VM was powered off or reset: whatever hung its guest is over, except disks its host
    still cannot reach (the guest hangs again as it boots). `vm` is locked by the caller."""
    end_guest_hangs([vm.pk], now)
    vm.guest_hung_at = now if disks_unreachable(vm) and vm.power_state == VmPowerState.POWERED_ON else None


register_input(START, _apply_start)
register_input(END, _apply_end)
register_input(POWER_ON, _apply_power_on)
