import pytest

from inventory.models import Host, VirtualMachine
from operations.faults import InvalidState, ResourceBusy
from operations.models import Event, Task
from operations.services.migrate import vm_migrate
from operations.services.tasks import task_cancel
from tests.conftest import vm_named


def task_of(task) -> Task:
    return Task.objects.get(pk=task.pk)


def test_it_queues_a_vmotion_and_moves_the_vm_when_the_task_completes(lab, web01, esx02, owner, sim):
    task = vm_migrate(vm=web01, host=esx02, priority="high", user=owner)
    assert task.name == "Migrate virtual machine" and task.state == "queued"
    sim.run(10)
    running = task_of(task)
    assert running.state == "running" and "Pre-copy round 1" in running.phase and 0 < running.progress < 100
    assert vm_named(lab, "W2K8-Web01").host.name == "esx01.lab.local"  # still on the source while copying
    sim.run(30, step=1)
    done = task_of(task)
    assert done.state == "success" and done.progress == 100
    moved = vm_named(lab, "W2K8-Web01")
    assert moved.host == esx02 and moved.power_state == "poweredOn"
    assert 25 <= done.completed_sim - done.started_sim <= 35  # about 30 s on 1 GbE, as in the article
    event = Event.objects.get(lab=lab, type="VmMigratedEvent")
    assert "from esx01.lab.local to esx02.lab.local completed" in event.message
    assert moved.last_stun_ms is not None and moved.last_stun_ms < 1000


def test_a_second_migration_of_a_migrating_vm_is_refused_and_changes_nothing(lab, web01, esx02, owner, sim):
    vm_migrate(vm=web01, host=esx02, priority="high", user=owner)
    before = Task.objects.count()
    with pytest.raises(ResourceBusy, match="Another task is already in progress"):
        vm_migrate(vm=web01, host=esx02, priority="low", user=owner)
    assert Task.objects.count() == before


def test_cancel_during_precopy_leaves_the_vm_on_the_source(lab, web01, esx02, owner, sim):
    task = vm_migrate(vm=web01, host=esx02, priority="high", user=owner)
    sim.run(10)
    task_cancel(task=task, user=owner)
    sim.run(1)
    canceled = task_of(task)
    assert canceled.state == "error" and "canceled" in canceled.error_message
    assert vm_named(lab, "W2K8-Web01").host.name == "esx01.lab.local"
    sim.run(60)
    assert vm_named(lab, "W2K8-Web01").host.name == "esx01.lab.local"


def test_a_memory_heavy_guest_on_1_gbe_fails_after_the_timeout_and_stays_on_the_source(lab, web01, esx02, owner, sim):
    VirtualMachine.objects.filter(pk=web01.pk).update(workload="memoryHeavy", memory_mb=4096)
    task = vm_migrate(vm=web01, host=esx02, priority="high", user=owner)
    sim.run(300, step=5)
    failed = task_of(task)
    assert failed.state == "error" and "maximum switchover time of 100 second(s)" in failed.error_message
    assert failed.completed_sim - failed.started_sim > 100
    assert vm_named(lab, "W2K8-Web01").host.name == "esx01.lab.local"
    assert Event.objects.filter(lab=lab, type="VmFailedMigrateEvent", severity="error").exists()


def test_high_priority_fails_when_cpu_cannot_be_reserved_and_low_priority_proceeds(lab, web01, esx01, esx02, owner, sim):
    # reservations of running VMs leave esx02 less CPU than a high priority VMotion reserves
    db = vm_named(lab, "RHEL5-DB01")
    VirtualMachine.objects.filter(pk=db.pk).update(host=esx02, cpu_reservation_mhz=esx02.cpu_total_mhz - 100)
    high = vm_migrate(vm=web01, host=esx02, priority="high", user=owner)
    sim.run(1)
    failed = task_of(high)
    assert failed.state == "error" and "Insufficient CPU resources on esx02.lab.local" in failed.error_message
    assert "low" in failed.error_message
    low = vm_migrate(vm=vm_named(lab, "W2K8-Web01"), host=esx02, priority="low", user=owner)
    sim.run(60, step=1)
    assert task_of(low).state == "success" and vm_named(lab, "W2K8-Web01").host == esx02


def test_migrations_beyond_four_per_1_gbe_host_wait_in_the_queue(lab, esx01, esx02, owner, sim):
    from inventory.models import VirtualDisk, VirtualNic

    # the seed lab runs two VMs on esx01: add four

    template = vm_named(lab, "W2K8-Web01")
    for n in range(4):
        clone = VirtualMachine.objects.create(
            lab=lab, host=esx01, datastore=template.datastore, name=f"Clone{n}", memory_mb=1024, workload="idle",
            power_state="poweredOn", powered_on_at=0)
        VirtualDisk.objects.create(vm=clone, datastore=template.datastore, capacity_mb=1024, used_mb=1024)
        VirtualNic.objects.create(vm=clone, network=template.nics.get().network)
    VirtualMachine.objects.filter(lab=lab).update(workload="idle")  # a busy guest on a shared link may not converge
    tasks = [vm_migrate(vm=vm, host=esx02, priority="low", user=owner)
             for vm in VirtualMachine.objects.filter(lab=lab, host=esx01, power_state="poweredOn")]
    assert len(tasks) == 6
    sim.run(1)
    states = [task_of(t).state for t in tasks]
    assert states.count("running") == 4 and states.count("queued") == 2
    assert "4 of 4 in use on esx01.lab.local" in task_of(tasks[-1]).phase
    sim.run(600, step=5)
    assert all(task_of(t).state == "success" for t in tasks)
    assert not VirtualMachine.objects.filter(lab=lab, host=esx01).exclude(power_state="poweredOff").exists()


def test_storage_vmotion_copies_the_disks_with_cbt_and_space_follows(lab, web01, owner, sim):
    from inventory.models import Datastore
    from inventory.selectors import datastore_free_mb

    shared = Datastore.objects.get(lab=lab, name="iscsi-vmfs01")
    target = Datastore.objects.create(lab=lab, datacenter=web01.host.datacenter, name="iscsi-vmfs02",
                                      capacity_mb=200 * 1024)
    target.hosts.add(*Host.objects.filter(lab=lab))
    before_src, before_dst = datastore_free_mb(shared), datastore_free_mb(target)
    task = vm_migrate(vm=web01, datastore=target, user=owner)
    assert task.name == "Relocate virtual machine storage"
    sim.run(60)
    running = task_of(task)
    assert running.state == "running" and "Copying Hard disk 1" in running.phase
    assert datastore_free_mb(target) == before_dst  # nothing moves until the switch to the new files
    sim.run(1200, step=10)
    assert task_of(task).state == "success"
    moved = vm_named(lab, "W2K8-Web01")
    assert moved.datastore == target and moved.power_state == "poweredOn" and moved.host.name == "esx01.lab.local"
    assert datastore_free_mb(target) == before_dst - 40 * 1024 and datastore_free_mb(shared) == before_src + 40 * 1024
    assert "CBT round" in Event.objects.get(lab=lab, type="VmRelocatedEvent").message


def test_cold_migration_moves_host_and_datastore_of_a_powered_off_vm(lab, xp01, esx01, owner, sim):
    from inventory.models import Datastore

    local = Datastore.objects.get(lab=lab, name="datastore1")  # esx01's local datastore
    task = vm_migrate(vm=xp01, host=esx01, datastore=local, user=owner)
    assert task.name == "Migrate virtual machine" and task.kind == "vm.relocate"
    sim.run(600, step=10)
    assert task_of(task).state == "success"
    moved = vm_named(lab, "XP-Client01")
    assert moved.host == esx01 and moved.datastore == local and moved.disks.get().datastore == local


def test_the_wizard_refuses_a_vm_with_snapshots_for_storage_vmotion(lab, web01, owner):
    from inventory import services
    from inventory.models import Datastore

    services.vm_snapshot_create(vm=web01, name="before", user=owner)
    target = Datastore.objects.get(lab=lab, name="datastore1")
    with pytest.raises(InvalidState, match="Storage VMotion does not support virtual machines with snapshots"):
        vm_migrate(vm=web01, datastore=target, user=owner)
    assert not Task.objects.filter(kind="vm.relocate").exists()


def _leave_unreserved_on(host, lab, mhz: int) -> None:
    """RHEL5-DB01 runs on `host` reserving all of its CPU but `mhz` (a direct update: no 2-vCPU cap)."""
    VirtualMachine.objects.filter(pk=vm_named(lab, "RHEL5-DB01").pk).update(
        host=host, cpu_reservation_mhz=host.cpu_total_mhz - mhz)


def test_a_power_on_and_a_reservation_count_the_cpu_a_running_high_priority_vmotion_reserves(
        lab, web01, xp01, esx02, owner, sim):
    from inventory import services
    from operations.faults import InsufficientResources
    from operations.services.power import vm_power

    _leave_unreserved_on(esx02, lab, 2000)
    vm_power(vm=xp01, action="power-on", user=owner)
    sim.run(3)
    extra = services.vm_create(host=esx02, name="Extra", user=owner, datastore=xp01.datastore,
                               network=xp01.nics.get().network, guest_os="rhel5_64Guest", num_cpu=1, memory_mb=512,
                               disk_mb=1024, provisioning="thin")
    services.vm_reconfigure(vm=extra, user=owner, cpu_reservation_mhz=1500)  # fits esx02's 2000 MHz alone
    task = vm_migrate(vm=web01, host=esx02, priority="high", user=owner)
    sim.run(8)
    assert task_of(task).state == "running"
    assert task_of(task).plan["inputs"]["cpu_reserved_mhz"] == 780  # 30% of a 2.6 GHz core on 1 GbE
    with pytest.raises(InsufficientResources, match=r"Insufficient resources on host esx02.lab.local.* 1220 MHz"):
        vm_power(vm=extra, action="power-on", user=owner)
    with pytest.raises(InsufficientResources, match=r"Insufficient resources on host esx02.lab.local.* 1220 MHz"):
        services.vm_reconfigure(vm=xp01, user=owner, cpu_reservation_mhz=1500)  # a running VM's increase
    sim.run(60, step=2)
    assert task_of(task).state == "success"
    vm_power(vm=extra, action="power-on", user=owner)  # the VMotion's reservation ended with it


def test_a_second_high_priority_vmotion_counts_the_first_ones_reservation(lab, web01, esx01, esx02, owner, sim):
    from inventory.models import VirtualDisk, VirtualNic

    _leave_unreserved_on(esx02, lab, 1000)  # one VMotion's 780 MHz fits, two do not
    clone = VirtualMachine.objects.create(lab=lab, host=esx01, datastore=web01.datastore, name="Clone", memory_mb=1024,
                                          workload="idle", power_state="poweredOn", powered_on_at=0)
    VirtualDisk.objects.create(vm=clone, datastore=web01.datastore, capacity_mb=1024, used_mb=1024)
    VirtualNic.objects.create(vm=clone, network=web01.nics.get().network)
    first = vm_migrate(vm=web01, host=esx02, priority="high", user=owner)
    second = vm_migrate(vm=clone, host=esx02, priority="high", user=owner)
    sim.run(1)
    assert task_of(first).state == "running"
    failed = task_of(second)
    assert failed.state == "error" and "Insufficient CPU resources on esx02.lab.local" in failed.error_message
    assert "(220 MHz unreserved)" in failed.error_message


def test_a_host_with_320_vms_takes_no_more_by_migration(lab, web01, xp01, esx01, owner, sim):
    queued = vm_migrate(vm=xp01, host=esx01, user=owner)  # a cold migration, asked while there was room
    VirtualMachine.objects.bulk_create(
        VirtualMachine(lab=lab, host=esx01, datastore=web01.datastore, name=f"Filler{n:03d}", memory_mb=256)
        for n in range(320 - esx01.vms.count()))
    full = "Host esx01.lab.local already has 320 virtual machines, the vSphere 4.1 maximum."
    sim.run(10)
    failed = task_of(queued)
    assert failed.state == "error" and full in failed.error_message
    assert vm_named(lab, "XP-Client01").host.name == "esx02.lab.local"
    with pytest.raises(InvalidState, match=full):  # and the wizard refuses it now
        vm_migrate(vm=vm_named(lab, "XP-Client01"), host=esx01, user=owner)
