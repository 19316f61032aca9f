"""The fault services: what they refuse at once (and then write nothing), the fault panel's data,
and what the runner does with an input it can no longer apply as asked."""

import pytest

from inventory import services
from inventory.models import Host
from inventory.selectors import active_faults
from operations.faults import InvalidArgument, InvalidState
from operations.models import Event, Fault, Input
from operations.services.faults import fault_end, fault_restore, fault_start, host_fault_action, vm_fault_action
from operations.services.power import vm_power


def kinds(lab) -> list[tuple[str, str]]:
    return [(f.kind, f.host.name if f.host else f.vm.name if f.vm else "") for f in active_faults(lab)]


def test_the_panel_lists_what_is_broken_now_and_a_restore_ends_it(lab, sim, esx01, esx02, web01, owner):
    host_fault_action(host=esx01, action="disconnect-management-network", user=owner)
    fault_start(lab=lab, kind="storage-paths", host=esx02, user=owner)
    vm_fault_action(vm=web01, action="guest-hang", user=owner)
    assert kinds(lab) == []  # not applied yet: the simulation applies them at their instant
    sim.run(3)
    assert kinds(lab) == [("management-network", "esx01.lab.local"), ("storage-paths", "esx02.lab.local"),
                          ("guest-hang", "W2K8-Web01")]
    storage = Fault.objects.get(kind="storage-paths")
    assert storage.started_sim == 0.0 and storage.input.initiator_name == "alice"
    fault_end(fault=storage, user=owner)
    assert [f.restoring for f in active_faults(lab)] == [False, True, False]
    sim.run(2)
    assert [k for k, _ in kinds(lab)] == ["management-network", "guest-hang"]
    assert Fault.objects.get(pk=storage.pk).ended_sim == 3.0


@pytest.mark.parametrize("first, second, message", [
    ("host-crash", "host-crash", "A host crash is already simulated on esx01.lab.local."),
    ("host-crash", "host-power-off", "A host crash is already simulated on esx01.lab.local."),
    ("management-network", "management-network", "A management network failure is already simulated on "
                                                 "esx01.lab.local."),
])
@pytest.mark.parametrize("applied", [False, True])
def test_the_same_failure_twice_is_refused_whether_pending_or_active(lab, sim, esx01, owner, first, second, message,
                                                                     applied):
    fault_start(lab=lab, kind=first, host=esx01, user=owner)
    if applied:
        sim.run()
    inputs = Input.objects.count()
    with pytest.raises(InvalidState) as refused:
        fault_start(lab=lab, kind=second, host=esx01, user=owner)
    assert refused.value.messages == [message] and Input.objects.count() == inputs


def test_refusals_that_depend_on_the_objects(lab, sim, esx01, esx02, xp01, owner):
    with pytest.raises(InvalidState, match="XP-Client01 is not powered on: its guest cannot hang."):
        vm_fault_action(vm=xp01, action="guest-hang", user=owner)
    with pytest.raises(InvalidState, match=r"^No management network failure is simulated on esx02.lab.local.$"):
        host_fault_action(host=esx02, action="reconnect-management-network", user=owner)
    with pytest.raises(InvalidState, match=r"^No power failure is simulated on esx02.lab.local.$"):
        host_fault_action(host=esx02, action="power-on", user=owner)
    with pytest.raises(InvalidArgument, match="Unknown host fault 'melt'"):
        host_fault_action(host=esx02, action="melt", user=owner)
    with pytest.raises(InvalidArgument, match="A management switch failure takes no host."):
        fault_start(lab=lab, kind="management-switch", host=esx01, user=owner)
    assert not Input.objects.exists()


def test_a_restore_asked_before_its_failure_applied_comes_after_it(lab, sim, esx01, owner):
    fault_start(lab=lab, kind="vmotion-network", host=esx01, user=owner)
    fault_restore(lab=lab, kind="vmotion-network", host=esx01, user=owner)
    with pytest.raises(InvalidState, match="No VMotion network failure is simulated"):
        fault_restore(lab=lab, kind="vmotion-network", host=esx01, user=owner)
    sim.run()
    fault = Fault.objects.get()
    assert (fault.started_sim, fault.ended_sim) == (0.0, 0.0)
    assert [i.result for i in Input.objects.order_by("pk")] == ["", ""]
    assert Host.objects.get(pk=esx01.pk).vmotion_connected


def test_a_restore_twice_is_refused(lab, sim, esx01, owner):
    host_fault_action(host=esx01, action="disconnect-ft-logging-network", user=owner)
    sim.run()
    fault = Fault.objects.get()
    fault_end(fault=fault, user=owner)
    with pytest.raises(InvalidState, match="is already being restored"):
        fault_end(fault=fault, user=owner)
    sim.run()
    with pytest.raises(InvalidState, match="FT logging network cable pulled on esx01.lab.local was already restored."):
        fault_end(fault=fault, user=owner)


def test_an_input_that_can_no_longer_apply_is_marked_with_the_reason_and_never_raises(lab, sim, esx02, owner):
    record = host_fault_action(host=esx02, action="crash", user=owner)
    services.host_enter_maintenance(host=esx02, user=owner)  # before the runner applies the crash
    services.host_remove(host=Host.objects.get(pk=esx02.pk), user=owner)
    sim.run()
    record = Input.objects.get(pk=record.pk)
    assert record.applied and record.applied_sim == 0.0
    assert record.result == f"ignored: host-{esx02.pk} is no longer in the inventory"
    note = Event.objects.get(type="SimulationInputIgnoredEvent")
    assert note.severity == "info" and record.result.removeprefix("ignored: ") in note.message
    assert not Fault.objects.exists()


def test_storage_loss_hangs_the_guests_on_shared_storage_and_a_guest_hang_outlives_it(lab, sim, esx01, web01, owner):
    vm_fault_action(vm=web01, action="guest-hang", user=owner)
    host_fault_action(host=esx01, action="disconnect-storage", user=owner)
    sim.run(2)
    assert web01.__class__.objects.get(pk=web01.pk).guest_hung_at == 0.0
    host_fault_action(host=esx01, action="reconnect-storage", user=owner)
    sim.run()
    vms = {vm.name: vm.guest_hung_at for vm in Host.objects.get(pk=esx01.pk).vms.all()}
    assert vms == {"W2K8-Web01": 0.0, "RHEL5-DB01": None}  # its own hang goes on; the other guest resumed
    vm_fault_action(vm=web01, action="guest-recover", user=owner)
    sim.run()
    assert web01.__class__.objects.get(pk=web01.pk).guest_hung_at is None


def test_a_guest_cannot_recover_while_its_disks_are_unreachable(lab, sim, esx01, web01, owner):
    host_fault_action(host=esx01, action="disconnect-storage", user=owner)
    sim.run()
    with pytest.raises(InvalidState, match="cannot recover: host esx01.lab.local still has no access to its disks"):
        vm_fault_action(vm=web01, action="guest-recover", user=owner)


def test_a_reset_ends_a_guest_hang(lab, sim, web01, owner):
    vm_fault_action(vm=web01, action="guest-hang", user=owner)
    sim.run()
    vm_power(vm=web01, action="reset", user=owner)
    sim.run(2)
    assert web01.__class__.objects.get(pk=web01.pk).guest_hung_at is None
    assert Fault.objects.get().ended_sim == pytest.approx(1.0)
