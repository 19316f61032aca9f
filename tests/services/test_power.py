import pytest

from inventory import services
from inventory.models import VirtualMachine
from operations.engine.power import BOOT
from operations.faults import InsufficientResources, InvalidState, ResourceBusy
from operations.models import Event, Task
from operations.services.power import vm_power

GB = 1024


def state(vm) -> VirtualMachine:
    return VirtualMachine.objects.get(pk=vm.pk)


def test_power_on_runs_as_a_task_in_simulated_time(lab, xp01, owner, sim):
    task = vm_power(vm=xp01, action="power-on", user=owner)
    assert task.name == "Power On virtual machine" and task.state == "queued"
    assert state(xp01).power_state == "poweredOff"  # nothing happens until the clock moves
    sim.run(0.5)
    assert Task.objects.get(pk=task.pk).state == "running" and state(xp01).power_state == "poweredOff"
    sim.run(1.5)
    done = Task.objects.get(pk=task.pk)
    vm = state(xp01)
    assert done.state == "success" and vm.power_state == "poweredOn" and vm.powered_on_at == done.completed_sim
    assert Event.objects.filter(lab=lab).first().message == "XP-Client01 on esx02.lab.local in Datacenter is powered on"


def test_power_off_reset_and_their_task_names(lab, xp01, web01, owner, sim):
    vm_power(vm=web01, action="reset", user=owner)
    sim.run(2)
    assert state(web01).powered_on_at == pytest.approx(sim.now - 1, abs=1)  # the guest restarted
    vm_power(vm=web01, action="power-off", user=owner)
    sim.run(2)
    assert state(web01).power_state == "poweredOff" and state(web01).powered_on_at is None
    names = list(Task.objects.filter(lab=lab, object_moid=web01.moid).values_list("name", flat=True))
    assert names == ["Power Off virtual machine", "Reset virtual machine"]


def test_shut_down_guest_needs_vmware_tools_then_takes_the_guest_time(lab, xp01, owner, sim):
    vm_power(vm=xp01, action="power-on", user=owner)
    sim.run(2)
    with pytest.raises(InvalidState, match="VMware Tools is not running"):
        vm_power(vm=xp01, action="shutdown", user=owner)
    sim.run(BOOT["windows-xp"].tools)
    task = vm_power(vm=xp01, action="shutdown", user=owner)
    assert task.name == "Initiate guest OS shutdown"
    sim.run(BOOT["windows-xp"].shutdown - 2)
    assert state(xp01).power_state == "poweredOn"
    sim.run(3)
    assert state(xp01).power_state == "poweredOff" and Task.objects.get(pk=task.pk).state == "success"


def test_power_on_twice_is_refused(web01, owner):
    with pytest.raises(InvalidState, match="already powered on"):
        vm_power(vm=web01, action="power-on", user=owner)


def test_reset_needs_a_running_vm(xp01, owner):
    with pytest.raises(InvalidState, match="only a running virtual machine can be reset"):
        vm_power(vm=xp01, action="reset", user=owner)


def test_a_second_operation_on_a_busy_vm_is_refused(xp01, owner, sim):
    vm_power(vm=xp01, action="power-on", user=owner)
    with pytest.raises(ResourceBusy, match="Another task is already in progress"):
        vm_power(vm=xp01, action="power-on", user=owner)


def test_power_on_is_refused_on_a_host_in_maintenance_mode(xp01, esx02, owner):
    services.host_enter_maintenance(host=esx02, user=owner)
    with pytest.raises(InvalidState, match="maintenance mode"):
        vm_power(vm=xp01, action="power-on", user=owner)


def test_power_on_is_refused_when_reservations_do_not_fit_the_host(xp01, owner):
    services.vm_reconfigure(vm=xp01, user=owner, memory_mb=32 * GB, memory_reservation_mb=32 * GB)
    with pytest.raises(InsufficientResources, match="Insufficient resources on host esx02"):
        vm_power(vm=xp01, action="power-on", user=owner)
    assert state(xp01).power_state == "poweredOff" and not Task.objects.filter(kind="vm.power").exists()


def test_the_engine_rechecks_when_the_task_begins(lab, xp01, esx02, owner, sim):
    """Queued while the host was fine; the host entered maintenance mode before the task began."""
    task = vm_power(vm=xp01, action="power-on", user=owner)
    services.host_enter_maintenance(host=esx02, user=owner)
    sim.run(3)
    failed = Task.objects.get(pk=task.pk)
    assert failed.state == "error" and "maintenance mode" in failed.error_message
    assert state(xp01).power_state == "poweredOff"
    assert Event.objects.filter(lab=lab, type="TaskFailedEvent", severity="error").exists()
