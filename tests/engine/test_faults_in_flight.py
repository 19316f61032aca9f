"""Faults reach running and queued operations at the instant they happen (issue 10): each timed
operation fails at once, with vSphere's words, when something it depends on goes, and not when
it does not. The clock is stepped; nothing sleeps."""

import pytest

from inventory.models import Datastore, VirtualDisk, VirtualMachine, VirtualNic
from operations.models import Event, Fault
from operations.services.faults import fault_end, fault_start, host_fault_action
from operations.services.migrate import vm_migrate
from operations.services.power import vm_power
from tests.conftest import vm_named

UNREACHABLE = "Unable to communicate with the remote host, since it is disconnected."
VMOTION_NETWORK = ("The VMotion failed because the ESX hosts were not able to connect over the VMotion network. Please "
                   "check your VMotion network settings and physical network configuration. W2K8-Web01 keeps running "
                   "on esx01.lab.local.")


def reloaded(obj):
    return type(obj).objects.get(pk=obj.pk)


def failed_at(task, when: float, message: str) -> None:
    task = reloaded(task)
    assert (task.state, task.error_message) == ("error", message)
    assert task.completed_sim == pytest.approx(when)


@pytest.fixture
def vmotion(lab, sim, web01, esx02, owner):
    """W2K8-Web01 (esx01) migrating to esx02, ten seconds into its pre-copy."""
    task = vm_migrate(vm=web01, host=esx02, user=owner)
    sim.run(10)
    assert reloaded(task).phase.startswith("Pre-copy round 1")
    return task


def test_a_vmotion_whose_source_crashes_fails_then_and_the_vm_goes_down_with_it(lab, sim, vmotion, web01, esx01, owner):
    fault_start(lab=lab, kind="host-crash", host=esx01, user=owner)
    sim.run()
    failed_at(vmotion, 10.0,
              "The source host esx01.lab.local failed during the migration; W2K8-Web01 went down with it.")
    vm = reloaded(web01)
    assert (vm.host_id, vm.power_state) == (esx01.pk, "poweredOff")
    event = Event.objects.get(lab=lab, type="VmFailedMigrateEvent")
    assert event.sim_seconds == 10.0 and event.task_id == vmotion.pk
    sim.run(60)  # nothing more: no progress, no commit
    assert reloaded(vmotion).completed_sim == 10.0 and not Event.objects.filter(type="VmMigratedEvent").exists()


def test_a_vmotion_whose_destination_goes_down_fails_and_the_vm_keeps_running_on_the_source(
        lab, sim, vmotion, web01, esx01, esx02, owner):
    sim.run(5)
    fault_start(lab=lab, kind="host-power-off", host=esx02, user=owner)
    sim.run()
    failed_at(vmotion, 15.0, "Migration to host esx02.lab.local failed: the destination host went down. W2K8-Web01 "
                             "keeps running on esx01.lab.local.")
    vm = reloaded(web01)
    assert (vm.host_id, vm.power_state) == (esx01.pk, "poweredOn")


@pytest.mark.parametrize("host", ["esx01", "esx02"])
def test_pulling_the_vmotion_cable_of_either_host_fails_the_vmotion_at_once(lab, sim, vmotion, web01, esx01, owner,
                                                                            request, host):
    host_fault_action(host=request.getfixturevalue(host), action="disconnect-vmotion-network", user=owner)
    sim.run()
    failed_at(vmotion, 10.0, VMOTION_NETWORK)
    assert reloaded(web01).host_id == esx01.pk and reloaded(web01).power_state == "poweredOn"


def test_a_new_vmotion_fails_when_it_begins_while_the_cable_is_out_and_succeeds_once_it_is_back(
        lab, sim, web01, esx01, esx02, owner):
    host_fault_action(host=esx02, action="disconnect-vmotion-network", user=owner)
    sim.run()
    task = vm_migrate(vm=web01, host=esx02, user=owner)  # vCenter does not know: it accepts
    sim.run(1)
    failed_at(task, 0.0, VMOTION_NETWORK)
    host_fault_action(host=esx02, action="reconnect-vmotion-network", user=owner)
    sim.run(1)
    again = vm_migrate(vm=web01, host=esx02, user=owner)
    sim.run(60)
    assert reloaded(again).state == "success" and reloaded(web01).host_id == esx02.pk


def test_a_partition_between_the_two_hosts_fails_their_vmotion(lab, sim, vmotion, web01, esx01, esx02, owner):
    fault_start(lab=lab, kind="network-partition", host=esx02, peer=esx01, user=owner)
    sim.run()
    failed_at(vmotion, 10.0, VMOTION_NETWORK)
    assert reloaded(web01).host_id == esx01.pk


def test_a_management_cable_pulled_mid_vmotion_fails_it_when_it_reaches_the_host_to_switch_over(
        lab, sim, vmotion, web01, esx01, owner):
    host_fault_action(host=esx01, action="disconnect-management-network", user=owner)
    sim.run(5)
    assert reloaded(vmotion).state == "running"  # the pre-copy runs over the VMotion network
    sim.run(40)
    task = reloaded(vmotion)
    assert (task.state, task.error_message) == ("error", UNREACHABLE) and task.completed_sim < 60
    assert reloaded(web01).host_id == esx01.pk and reloaded(web01).power_state == "poweredOn"


def test_a_storage_vmotion_fails_when_the_paths_of_its_host_go_down_not_another_hosts(
        lab, sim, web01, esx01, esx02, owner):
    local = Datastore.objects.get(lab=lab, hosts=esx01, backing="local")
    task = vm_migrate(vm=web01, datastore=local, user=owner)
    sim.run(10)
    host_fault_action(host=esx02, action="disconnect-storage", user=owner)  # XP-Client01's host: not the copy's
    sim.run(10)
    assert reloaded(task).state == "running"
    host_fault_action(host=esx01, action="disconnect-storage", user=owner)
    sim.run()
    failed_at(task, 20.0, "Cannot access datastore iscsi-vmfs01 from host esx01.lab.local: all paths are down. The "
                          "files of W2K8-Web01 stay where they were.")
    assert reloaded(web01).datastore.name == "iscsi-vmfs01" and reloaded(web01).guest_hung_at == 20.0


def test_a_cold_migration_to_a_host_that_crashes_fails_and_the_vm_stays(lab, sim, xp01, esx01, esx02, owner):
    task = vm_migrate(vm=xp01, host=esx01, user=owner)
    sim.run(1)
    fault_start(lab=lab, kind="host-crash", host=esx01, user=owner)
    sim.run()
    failed_at(task, 1.0, "Migration to host esx01.lab.local failed: the destination host went down. XP-Client01 stays "
                         "on esx02.lab.local.")
    assert reloaded(xp01).host_id == esx02.pk


def test_a_power_on_fails_when_its_host_crashes(lab, sim, xp01, esx02, owner):
    task = vm_power(vm=xp01, action="power-on", user=owner)
    sim.run(0.5)
    assert reloaded(task).state == "running"
    fault_start(lab=lab, kind="host-crash", host=esx02, user=owner)
    sim.run(5)
    failed_at(task, 0.5, "Host esx02.lab.local went down; Power On virtual machine of XP-Client01 did not complete.")
    assert reloaded(xp01).power_state == "poweredOff"


def test_queued_migrations_fail_with_the_running_ones_when_their_destination_goes_down(lab, sim, esx01, esx02, owner):
    template = vm_named(lab, "W2K8-Web01")
    VirtualMachine.objects.filter(lab=lab).update(workload="idle")
    for n in range(3):  # five running VMs on esx01: four VMotion slots on its 1 GbE link
        clone = VirtualMachine.objects.create(lab=lab, host=esx01, datastore=template.datastore, name=f"C{n}",
                                              memory_mb=1024, power_state="poweredOn", powered_on_at=0)
        VirtualDisk.objects.create(vm=clone, datastore=template.datastore, capacity_mb=1024, used_mb=1024)
        VirtualNic.objects.create(vm=clone, network=template.nics.get().network)
    tasks = [vm_migrate(vm=vm, host=esx02, priority="low", user=owner)
             for vm in VirtualMachine.objects.filter(lab=lab, host=esx01, power_state="poweredOn")]
    sim.run(3)
    queued = [t for t in tasks if reloaded(t).state == "queued"]
    assert len(queued) == 1 and reloaded(queued[0]).phase.startswith("Waiting for a free migration slot")
    fault_start(lab=lab, kind="host-crash", host=esx02, user=owner)
    sim.run()
    for task in tasks:
        failed = reloaded(task)
        assert failed.state == "error" and failed.completed_sim == 3.0
        assert failed.error_message.startswith(
            "Migration to host esx02.lab.local failed: the destination host went down.")
    assert VirtualMachine.objects.filter(lab=lab, host=esx01, power_state="poweredOn").count() == 5


def test_an_operation_on_something_else_goes_on(lab, sim, vmotion, web01, esx02, owner):
    fault_start(lab=lab, kind="guest-hang", vm=vm_named(lab, "RHEL5-DB01"), user=owner)
    fault_start(lab=lab, kind="ft-logging-network", host=esx02, user=owner)
    sim.run(40)
    assert reloaded(vmotion).state == "success" and reloaded(web01).host_id == esx02.pk


def test_a_restored_fault_lets_new_operations_through(lab, sim, web01, esx01, esx02, owner):
    fault_start(lab=lab, kind="network-partition", host=esx01, peer=esx02, user=owner)
    sim.run()
    fault_end(fault=Fault.objects.get(lab=lab), user=owner)
    sim.run()
    task = vm_migrate(vm=web01, host=esx02, user=owner)
    sim.run(60)
    assert reloaded(task).state == "success"
