"""Fault injection, for the lessons of ROADMAP's HA and FT items: what happens to a host when it
loses power, crashes, loses its management network (the article's cable pull) or its storage,
and a guest OS that hangs. Faults are physical: they record events, not tasks. Nothing restarts
the VMs yet (HA arrives later); a host that goes down takes its running VMs down with it."""

from __future__ import annotations

from inventory.choices import ConnectionState, HostPowerState, StorageBacking, VmPowerState
from inventory.models import Host, VirtualMachine
from inventory.rules import Choice
from inventory.services.common import refuse
from operations.faults import InvalidState

from .locking import lab_write
from .records import event_log

HOST_FAULTS = ("power-off", "power-on", "crash", "disconnect-management-network", "reconnect-management-network",
               "disconnect-storage", "reconnect-storage")
VM_FAULTS = ("guest-hang", "guest-recover")
HOST_FAULT = Choice("host fault", HOST_FAULTS)
VM_FAULT = Choice("virtual machine fault", VM_FAULTS)


def _connection(host: Host) -> str:
    up = host.power_state == HostPowerState.POWERED_ON and host.management_connected
    return ConnectionState.CONNECTED if up else ConnectionState.NOT_RESPONDING


def _vms_go_down(host: Host, user, why: str) -> int:
    running = list(host.vms.filter(power_state=VmPowerState.POWERED_ON))
    for vm in running:
        event_log(lab=host.lab, type="VmPoweredOffEvent", target=vm, user=user, severity="error",
                  message=f"{vm.name} on {host.name} is powered off: {why}")
    host.vms.filter(pk__in=[vm.pk for vm in running]).update(
        power_state=VmPowerState.POWERED_OFF, powered_on_at=None, guest_hung_at=None)
    return len(running)


@lab_write("host")
def host_inject_fault(*, host: Host, action: str, user) -> Host:
    refuse(HOST_FAULT.problems(action))
    # the lab's lock is held; then the rows in the lock order: the host's VMs, the host
    list(VirtualMachine.objects.select_for_update().filter(host=host.pk).order_by("pk").values_list("pk"))
    host = Host.objects.select_for_update(of=("self",)).select_related("lab", "datacenter").get(pk=host.pk)
    lab, now = host.lab, host.lab.now()
    on = host.power_state == HostPowerState.POWERED_ON
    where = f"{host.name} in {host.datacenter.name}"
    if action in ("power-off", "crash"):
        if not on:
            raise InvalidState(f"Host {host.name} is already powered off.")
        host.power_state = HostPowerState.POWERED_OFF
        why = "its host lost power" if action == "power-off" else "its host failed (purple diagnostic screen)"
        event_log(lab=lab, type="HostNotRespondingEvent", target=host, user=user, severity="error", at=now,
                  message=f"Host {where} is not responding: {'power lost' if action == 'power-off' else 'the host crashed'}")
        _vms_go_down(host, user, why)
    elif action == "power-on":
        if on:
            raise InvalidState(f"Host {host.name} is already powered on.")
        host.power_state = HostPowerState.POWERED_ON
        event_log(lab=lab, type="HostConnectedEvent" if host.management_connected else "HostNotRespondingEvent",
                  target=host, user=user, at=now, message=f"Host {where} is powered on" + (
                      "" if host.management_connected else ", but its management network is disconnected"))
    elif action == "disconnect-management-network":
        if not host.management_connected:
            raise InvalidState(f"The management network of {host.name} is already disconnected.")
        host.management_connected = False
        event_log(lab=lab, type="HostNotRespondingEvent", target=host, user=user, severity="error", at=now,
                  message=f"Host {where} is not responding: its management network is disconnected; "
                          f"its virtual machines keep running")
    elif action == "reconnect-management-network":
        if host.management_connected:
            raise InvalidState(f"The management network of {host.name} is connected.")
        host.management_connected = True
        event_log(lab=lab, type="HostConnectedEvent", target=host, user=user, at=now,
                  message=f"Host {where} management network reconnected" + ("" if on else "; the host is powered off"))
    elif action == "disconnect-storage":
        if not host.storage_connected:
            raise InvalidState(f"The storage of {host.name} is already disconnected.")
        host.storage_connected = False
        event_log(lab=lab, type="VolumeAllPathsDownEvent", target=host, user=user, severity="error", at=now,
                  message=f"Host {where} lost access to its shared datastores (all paths down)")
        shared = host.vms.filter(power_state=VmPowerState.POWERED_ON, guest_hung_at__isnull=True).exclude(
            datastore__backing=StorageBacking.LOCAL)
        for vm in shared:
            event_log(lab=lab, type="VmGuestHungEvent", target=vm, user=user, severity="warning", at=now,
                      message=f"The guest OS of {vm.name} stopped responding: its disks are unreachable")
        shared.update(guest_hung_at=now)
    elif action == "reconnect-storage":
        if host.storage_connected:
            raise InvalidState(f"The storage of {host.name} is connected.")
        host.storage_connected = True
        host.vms.filter(guest_hung_at__isnull=False).exclude(datastore__backing=StorageBacking.LOCAL).update(
            guest_hung_at=None)
        event_log(lab=lab, type="VolumeAccessRestoredEvent", target=host, user=user, at=now,
                  message=f"Host {where} regained access to its shared datastores; their guests resume")
    host.connection_state = _connection(host)
    host.save(update_fields=["power_state", "management_connected", "storage_connected", "connection_state"])
    return host


@lab_write("vm")
def vm_inject_fault(*, vm: VirtualMachine, action: str, user) -> VirtualMachine:
    refuse(VM_FAULT.problems(action))
    vm = VirtualMachine.objects.select_for_update(of=("self",)).select_related("lab", "host", "datastore").get(pk=vm.pk)
    if action == "guest-hang":
        if vm.power_state != VmPowerState.POWERED_ON:
            raise InvalidState(f"{vm.name} is not powered on: its guest cannot hang.")
        if vm.guest_hung_at is not None:
            raise InvalidState(f"The guest OS of {vm.name} already hangs.")
        vm.guest_hung_at = vm.lab.now()
        event_log(lab=vm.lab, type="VmGuestHungEvent", target=vm, user=user, severity="warning",
                  message=f"The guest OS of {vm.name} on {vm.host.name} stopped responding")
    else:
        if vm.guest_hung_at is None:
            raise InvalidState(f"The guest OS of {vm.name} is not hung.")
        if not vm.host.storage_connected and vm.datastore.backing != StorageBacking.LOCAL:
            raise InvalidState(f"The guest OS of {vm.name} cannot recover: host {vm.host.name} still has no access to "
                               f"its disks. Reconnect the host's storage.")
        vm.guest_hung_at = None
        event_log(lab=vm.lab, type="VmGuestRecoveredEvent", target=vm, user=user,
                  message=f"The guest OS of {vm.name} on {vm.host.name} responds again")
    vm.save(update_fields=["guest_hung_at"])
    return vm
