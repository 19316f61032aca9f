"""One test per Migrate compatibility rule (REFERENCE.md §4), on real inventories: the wizard
shows these problems, the service refuses on errors."""

import pytest

from inventory import services
from inventory.models import Cluster, Datastore, Host, PortGroup, VirtualMachine, VirtualNic
from inventory.presets import lab_create
from operations.faults import InvalidState
from operations.models import Task
from operations.services.migrate import migration_problems, vm_migrate
from tests.conftest import vm_named


def messages(problems, severity):
    return [p.message for p in problems if p.severity == severity]


@pytest.fixture
def mixed(owner):
    return lab_create(owner=owner, preset="mixed-cpu", name="Mixed")


def host(lab, n):
    return Host.objects.get(lab=lab, name=f"esx0{n}.lab.local")


def test_a_compatible_destination_validates(web01, esx02):
    assert migration_problems(web01, host=esx02, datastore=None) == []


def test_intel_to_amd_is_refused(mixed, owner):
    intel_vm = vm_named(mixed, "W2K8-Intel01")
    problems = migration_problems(intel_vm, host=host(mixed, 1), datastore=None)
    assert any("between Intel and AMD" in m for m in messages(problems, "error"))
    with pytest.raises(InvalidState, match="between Intel and AMD"):
        vm_migrate(vm=intel_vm, host=host(mixed, 1), user=owner)
    assert not Task.objects.filter(lab=mixed, kind__startswith="vm.").exists()


def test_a_newer_cpu_family_accepts_an_older_ones_vm_but_not_the_reverse(mixed):
    old_vm, new_vm = vm_named(mixed, "Debian5-Old01"), vm_named(mixed, "W2K8-Web01")
    assert messages(migration_problems(old_vm, host=host(mixed, 1), datastore=None), "error") == []
    errors = messages(migration_problems(new_vm, host=host(mixed, 3), datastore=None), "error")
    assert any("lacks features" in m and "EVC" in m for m in errors)


def test_an_evc_cluster_makes_the_families_compatible(mixed, owner):
    cluster = services.cluster_create(datacenter=host(mixed, 1).datacenter, name="EVC", user=owner, evc_mode="amd-rev-f")
    Host.objects.filter(pk__in=[host(mixed, 1).pk, host(mixed, 3).pk]).update(cluster=cluster)
    new_vm = vm_named(mixed, "W2K8-Web01")
    assert messages(migration_problems(new_vm, host=host(mixed, 3), datastore=None), "error") == []


def test_both_hosts_need_a_vmotion_vmkernel_port(lab, web01, esx02):
    esx02.vmknics.update(vmotion=False)
    errors = messages(migration_problems(web01, host=esx02, datastore=None), "error")
    assert errors == ["Host esx02.lab.local has no VMkernel port enabled for VMotion. Enable VMotion on a "
                      "VMkernel port in Configuration > Networking."]


def test_files_on_storage_the_destination_does_not_see_are_an_error(lab, web01, esx02):
    local = Datastore.objects.get(lab=lab, name="datastore1")
    web01.disks.update(datastore=local)
    errors = messages(migration_problems(web01, host=esx02, datastore=None), "error")
    assert any("'datastore1'" in m and "not accessible from host esx02" in m for m in errors)


def test_a_missing_port_group_is_an_error_for_a_connected_nic_and_a_warning_otherwise(lab, web01, esx02):
    PortGroup.objects.filter(host=esx02, name="VM Network").delete()
    assert any("no port group on host esx02" in m for m in messages(migration_problems(web01, host=esx02, datastore=None), "error"))
    VirtualNic.objects.filter(vm=web01).update(connected=False)
    problems = migration_problems(web01, host=esx02, datastore=None)
    assert messages(problems, "error") == [] and any("no port group" in m for m in messages(problems, "warning"))


def test_a_cd_rom_on_host_local_storage_blocks_while_connected(lab, web01, esx02, owner):
    local = Datastore.objects.get(lab=lab, name="datastore1")
    cdrom = {"datastore": local, "iso": "ISO/w2k8r2.iso", "connected": True}
    web01 = services.vm_reconfigure(vm=web01, user=owner, cdrom=cdrom)  # Edit Settings > CD/DVD drive 1
    assert any("[datastore1] ISO/w2k8r2.iso, a host-local device" in m
               for m in messages(migration_problems(web01, host=esx02, datastore=None), "error"))
    web01 = services.vm_reconfigure(vm=web01, user=owner, cdrom={**cdrom, "connected": False})
    problems = migration_problems(web01, host=esx02, datastore=None)
    assert messages(problems, "error") == [] and messages(problems, "warning")


def test_a_cd_rom_needs_an_iso_path_on_a_datastore_of_its_host(lab, web01, owner):
    from operations.faults import InvalidArgument

    far = Datastore.objects.get(lab=lab, name="datastore1 (1)")  # esx02's local datastore
    with pytest.raises(InvalidArgument, match="not accessible from host esx01"):
        services.vm_reconfigure(vm=web01, user=owner, cdrom={"datastore": far, "iso": "ISO/a.iso", "connected": True})
    local = Datastore.objects.get(lab=lab, name="datastore1")
    with pytest.raises(InvalidArgument, match="ending in .iso"):
        services.vm_reconfigure(vm=web01, user=owner, cdrom={"datastore": local, "iso": "../etc/passwd", "connected": True})
    assert VirtualMachine.objects.get(pk=web01.pk).cdrom_datastore is None


def test_the_destination_must_hold_the_vms_reservations(lab, web01, esx02, owner):
    services.vm_reconfigure(vm=web01, user=owner, memory_reservation_mb=2048)
    xp = vm_named(lab, "XP-Client01")
    VirtualMachine.objects.filter(pk=xp.pk).update(memory_mb=31 * 1024, memory_reservation_mb=31 * 1024,
                                                   power_state="poweredOn", powered_on_at=0)
    web01.refresh_from_db()
    errors = messages(migration_problems(web01, host=esx02, datastore=None), "error")
    assert any("Insufficient memory resources on esx02" in m for m in errors)


def test_a_destination_in_maintenance_mode_or_the_current_host_is_refused(web01, esx01, esx02, owner):
    assert "already runs on esx01" in messages(migration_problems(web01, host=esx01, datastore=None), "error")[0]
    Host.objects.filter(pk=esx02.pk).update(in_maintenance_mode=True)
    esx02.refresh_from_db()
    assert messages(migration_problems(web01, host=esx02, datastore=None), "error") == [
        "Host esx02.lab.local is in maintenance mode."]


def test_a_memory_heavy_guest_gets_a_convergence_warning_but_may_go(web01, esx02, owner):
    VirtualMachine.objects.filter(pk=web01.pk).update(workload="memoryHeavy")
    web01.refresh_from_db()
    problems = migration_problems(web01, host=esx02, datastore=None)
    assert messages(problems, "error") == [] and "may not converge" in messages(problems, "warning")[0]


def test_a_powered_off_vm_is_cold_migrated_and_a_cpu_mismatch_is_only_a_warning(mixed, owner):
    xp = vm_named(mixed, "XP-Client01")  # powered off, on an AMD host
    problems = migration_problems(xp, host=host(mixed, 4), datastore=None)
    assert messages(problems, "error") == [] and any("Intel and AMD" in m for m in messages(problems, "warning"))


def test_storage_vmotion_refuses_snapshots_and_short_space(lab, web01, owner):
    other = Datastore.objects.create(lab=lab, datacenter=web01.host.datacenter, name="small", capacity_mb=10 * 1024)
    other.hosts.add(web01.host)
    services.vm_snapshot_create(vm=web01, name="before", user=owner)
    errors = messages(migration_problems(web01, host=None, datastore=other), "error")
    assert any("Storage VMotion does not support virtual machines with snapshots" in m for m in errors)
    assert any("Insufficient disk space on datastore 'small'" in m for m in errors)


def test_change_both_needs_a_powered_off_vm(lab, web01, esx02):
    shared = Datastore.objects.get(lab=lab, name="iscsi-vmfs01")
    errors = messages(migration_problems(web01, host=esx02, datastore=shared), "error")
    assert errors and "Power off W2K8-Web01" in errors[0]


def test_clusters_are_not_needed_for_vmotion(lab):
    assert not Cluster.objects.filter(lab=lab).exists()  # the article's first VMotion: no cluster yet
