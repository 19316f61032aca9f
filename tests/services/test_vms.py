"""Virtual machine services: create, Edit Settings, power, snapshots, removal."""

import pytest

from inventory import services
from inventory.models import Datastore, Network, VirtualMachine
from inventory.selectors import datastore_free_mb
from operations.faults import InsufficientResources, InvalidArgument, InvalidState
from operations.models import Event, Task
from operations.services.power import vm_power

GB = 1024


@pytest.fixture
def shared(lab):
    return Datastore.objects.get(lab=lab, name="iscsi-vmfs01")


@pytest.fixture
def network(lab):
    return Network.objects.get(lab=lab, name="VM Network")


def create(esx, shared, network, owner, **kw):
    args = dict(host=esx, name="New-VM", user=owner, datastore=shared, network=network, guest_os="rhel5_64Guest",
                num_cpu=1, memory_mb=1024, disk_mb=20 * GB, provisioning="lazyZeroedThick")
    args.update(kw)
    return services.vm_create(**args)


def test_a_thick_disk_takes_its_full_size_and_a_thin_one_nothing(esx02, shared, network, owner):
    free = datastore_free_mb(shared)
    create(esx02, shared, network, owner, name="Thick", disk_mb=20 * GB)
    assert datastore_free_mb(shared) == free - 20 * GB
    thin = create(esx02, shared, network, owner, name="Thin", disk_mb=100 * GB, provisioning="thin")
    assert datastore_free_mb(shared) == free - 20 * GB
    assert thin.power_state == "poweredOff" and thin.nics.get().network == network


def test_create_refuses_a_disk_bigger_than_the_free_space(esx02, shared, network, owner, lab):
    with pytest.raises(InsufficientResources, match="Insufficient disk space on datastore 'iscsi-vmfs01'"):
        create(esx02, shared, network, owner, disk_mb=1000 * GB)
    assert not VirtualMachine.objects.filter(lab=lab, name="New-VM").exists()


def test_create_refuses_a_datastore_the_host_does_not_see(esx01, network, owner, lab):
    esx02_local = Datastore.objects.get(lab=lab, name="datastore1 (1)")
    with pytest.raises(InvalidArgument, match="not accessible from host esx01"):
        create(esx01, esx02_local, network, owner)


def test_cpu_and_memory_change_only_when_powered_off(web01, xp01, owner):
    with pytest.raises(InvalidState, match="Power off W2K8-Web01"):
        services.vm_reconfigure(vm=web01, user=owner, num_cpu=2)
    services.vm_reconfigure(vm=xp01, user=owner, num_cpu=2, memory_mb=2048)
    xp01.refresh_from_db()
    assert (xp01.num_cpu, xp01.memory_mb, xp01.memory_overhead_mb) == (2, 2048, 90 + 30 + 32)


def test_reservations_change_while_running_within_limits(web01, owner):
    services.vm_reconfigure(vm=web01, user=owner, cpu_reservation_mhz=1000, memory_reservation_mb=1024)
    web01.refresh_from_db()
    assert (web01.cpu_reservation_mhz, web01.memory_reservation_mb) == (1000, 1024)
    with pytest.raises(InvalidArgument, match="cannot exceed the memory size"):
        services.vm_reconfigure(vm=web01, user=owner, memory_reservation_mb=4096)
    with pytest.raises(InvalidArgument, match="CPU reservation"):
        services.vm_reconfigure(vm=web01, user=owner, cpu_reservation_mhz=2601)


def test_disks_grow_but_never_shrink(web01, shared, owner):
    free = datastore_free_mb(shared)
    services.vm_reconfigure(vm=web01, user=owner, disk_sizes_mb={"Hard disk 1": 50 * GB})
    assert web01.disks.get().capacity_mb == 50 * GB
    assert datastore_free_mb(shared) == free - 10 * GB
    with pytest.raises(InvalidArgument, match="cannot shrink"):
        services.vm_reconfigure(vm=web01, user=owner, disk_sizes_mb={"Hard disk 1": 10 * GB})


def test_a_disk_under_snapshots_cannot_be_extended(web01, owner):
    services.vm_snapshot_create(vm=web01, name="before patch", user=owner)
    with pytest.raises(InvalidState, match="snapshots"):
        services.vm_reconfigure(vm=web01, user=owner, disk_sizes_mb={"Hard disk 1": 50 * GB})
    assert web01.disks.get().capacity_mb == 40 * GB


def test_snapshots_are_taken_and_deleted(web01, owner):
    first = services.vm_snapshot_create(vm=web01, name="one", user=owner)
    services.vm_snapshot_create(vm=web01, name="two", description="after", user=owner)
    assert web01.snapshots.count() == 2
    services.vm_snapshot_remove(snapshot=first, user=owner)
    assert list(web01.snapshots.values_list("name", flat=True)) == ["two"]
    assert services.vm_snapshot_remove_all(vm=web01, user=owner) == 1
    with pytest.raises(InvalidState, match="no snapshots"):
        services.vm_snapshot_remove_all(vm=web01, user=owner)


def test_remove_from_inventory_keeps_the_files_and_delete_frees_them(xp01, web01, shared, owner, lab):
    with pytest.raises(InvalidState, match="Power off"):
        services.vm_unregister(vm=web01, user=owner)
    free = datastore_free_mb(shared)
    services.vm_unregister(vm=xp01, user=owner)
    assert not VirtualMachine.objects.filter(pk=xp01.pk).exists()
    assert datastore_free_mb(shared) == free
    VirtualMachine.objects.filter(pk=web01.pk).update(power_state="poweredOff", powered_on_at=None)
    services.vm_destroy(vm=web01, user=owner)
    assert datastore_free_mb(shared) == free + 40 * GB


def test_event_sequence_numbers_increase_without_gaps(lab, web01, xp01, owner, sim):
    vm_power(vm=xp01, action="power-on", user=owner)
    vm_power(vm=web01, action="power-off", user=owner)
    sim.run(5)
    services.vm_snapshot_create(vm=xp01, name="s", user=owner)
    seqs = sorted(Event.objects.filter(lab=lab).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    lab.refresh_from_db()
    assert lab.event_seq == seqs[-1]


def test_a_refused_operation_changes_nothing(web01, owner, lab):
    tasks, events = Task.objects.count(), Event.objects.count()
    with pytest.raises(InvalidState):
        services.vm_reconfigure(vm=web01, user=owner, num_cpu=4, cpu_reservation_mhz=500)
    web01.refresh_from_db()
    assert (web01.num_cpu, web01.cpu_reservation_mhz) == (1, 0)
    assert (Task.objects.count(), Event.objects.count()) == (tasks, events)
