"""Power On, Power Off, Shut Down Guest and Reset, in simulated time.

The service refuses at once what vCenter would refuse (and changes nothing); otherwise it queues
a task that the engine runs: the power state changes when the task completes. The guest then
boots on the simulated clock (engine.power.guest_state), which the console shows.
"""

from __future__ import annotations

from inventory.choices import VmPowerState
from inventory.models import VirtualMachine
from inventory.rules import Choice
from inventory.services.common import refuse
from inventory.services.vms import _check_host_reservations, _require_usable_host, _where
from operations.engine import power
from operations.engine.changes import VmDown, host_key, vm_key
from operations.engine.power import boot_profile, guest_state, power_plan
from operations.faults import InvalidState
from operations.kinds import Dependencies, Kind, register
from operations.models import Task

from .connection import require_connected, require_reachable
from .faults import guest_restarted
from .locking import lab_write
from .records import event_log, sim_now, task_failed_event, task_queued
from .tasks import locked_vm, require_idle

TASK_NAMES = {
    "power-on": "Power On virtual machine",
    "power-off": "Power Off virtual machine",
    "shutdown": "Initiate guest OS shutdown",
    "reset": "Reset virtual machine",
}
POWER_OPERATION = Choice("power operation", tuple(TASK_NAMES))


def _refusal(vm: VirtualMachine, action: str, now: float) -> None:
    """Raise what vCenter says when `action` cannot run on `vm` now."""
    on = vm.power_state == VmPowerState.POWERED_ON
    if vm.ft_role == "secondary":
        raise InvalidState(f"{vm.name} is a Fault Tolerance secondary and is read-only.")
    if action == "power-on":
        if on:
            raise InvalidState(f"{vm.name} is already powered on.")
        _require_usable_host(vm.host, f"power on {vm.name}")
        if not vm.host.storage_connected and vm.datastore.backing != "local":
            raise InvalidState(f"Cannot power on {vm.name}: host {vm.host.name} has lost access to datastore "
                               f"{vm.datastore.name}.")
        _check_host_reservations(vm, vm.host)
        return
    if not on:
        raise InvalidState({
            "power-off": f"{vm.name} is already powered off.",
            "reset": f"{vm.name} is not powered on; only a running virtual machine can be reset.",
            "shutdown": f"{vm.name} is not powered on: there is no guest OS to shut down.",
        }[action])
    hung = vm.guest_hung_at is not None
    if action == "shutdown" and not guest_state(vm.guest_os, now - vm.powered_on_at, hung=hung).tools_running:
        raise InvalidState(
            f"Cannot shut down the guest OS of {vm.name}: VMware Tools is not running (the guest is still booting). "
            f"Wait for the guest to start, or use Power Off."
        )


@lab_write("vm")
def vm_power(*, vm: VirtualMachine, action: str, user) -> Task:
    """Start a power operation on `vm`: power-on, power-off, shutdown (needs VMware Tools) or reset."""
    refuse(POWER_OPERATION.problems(action))
    vm = locked_vm(vm.pk)
    require_connected(vm.host)
    require_idle(vm)
    _refusal(vm, action, sim_now(vm.lab))
    return task_queued(lab=vm.lab, name=TASK_NAMES[action], kind="vm.power", target=vm, user=user,
                       params={"vm": vm.pk, "action": action}, cancelable=False)


def _depends(task: Task) -> Dependencies:
    vm = VirtualMachine.objects.select_related("host").get(pk=task.params["vm"])
    return Dependencies(keys={host_key(vm.host_id): "host", vm_key(vm.pk): "vm"},
                        facts={"vm": vm.name, "host": vm.host.name, "task": task.name})


def _begin(task: Task, now: float, sharing: int) -> dict:
    vm = locked_vm(task.params["vm"])
    action = task.params["action"]
    require_reachable(vm.host)
    _refusal(vm, action, now)
    return {"action": action, "shutdown_s": boot_profile(vm.guest_os).shutdown}


def _plan(task: Task, inputs: dict):
    return power_plan(inputs["action"], shutdown_s=inputs["shutdown_s"])


EVENTS = {
    "power-on": ("VmPoweredOnEvent", "{where} is powered on"),
    "power-off": ("VmPoweredOffEvent", "{where} is powered off"),
    "shutdown": ("VmPoweredOffEvent", "{where} is powered off: the guest OS shut down"),
    "reset": ("VmResettingEvent", "{where} is reset"),
}


def _commit(task: Task, commit: str, facts: dict, now: float) -> list:
    vm = locked_vm(task.params["vm"])
    require_reachable(vm.host)
    if commit == "power-on":
        _refusal(vm, commit, now)
        vm.power_state, vm.powered_on_at = VmPowerState.POWERED_ON, now
    elif vm.power_state != VmPowerState.POWERED_ON:
        raise InvalidState(f"{vm.name} is no longer powered on (its host {vm.host.name} {vm.host.unusable_reason or 'stopped it'}).")
    elif commit in ("power-off", "shutdown"):
        vm.power_state, vm.powered_on_at = VmPowerState.POWERED_OFF, None
    elif commit == "reset":
        vm.powered_on_at = now
    guest_restarted(vm, now)  # a fresh boot, or no guest at all: a hang is over
    vm.save(update_fields=["power_state", "powered_on_at", "guest_hung_at"])
    type_, message = EVENTS[commit]
    event_log(lab=vm.lab, type=type_, message=message.format(where=_where(vm)), target=vm, user=task.initiator,
              task=task, at=now)
    return [VmDown(vm.pk)] if vm.power_state != VmPowerState.POWERED_ON else []


def _failed(task: Task, message: str, now: float) -> None:
    task_failed_event(task=task, message=f"{task.name} of {task.object_name} failed: {message}", at=now)


register("vm.power", Kind(begin=_begin, plan=_plan, commit=_commit, failed=_failed, depends=_depends,
                          react=power.react))
