"""Integrity lives in the database: these hold even when a service is bypassed."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from inventory.models import Cluster, Datacenter, Datastore, Host, VirtualDisk, VirtualMachine
from inventory.models.vm import default_memory_overhead_mb


def test_names_are_unique_per_lab_ignoring_case(lab, esx01, web01):
    with pytest.raises(IntegrityError), transaction.atomic():
        VirtualMachine.objects.create(lab=lab, name="w2k8-WEB01", host=esx01, datastore=web01.datastore)


def test_the_same_name_may_exist_in_another_lab(lab, owner):
    from inventory.presets import lab_create

    other = lab_create(owner=owner, preset="seed-article", name="Other")
    assert VirtualMachine.objects.filter(name="W2K8-Web01").values("lab").distinct().count() == 2
    assert other.pk != lab.pk


def test_a_host_with_vms_cannot_be_deleted(esx01):
    with pytest.raises(ProtectedError):
        esx01.delete()


def test_a_datastore_holding_disks_cannot_be_deleted(lab):
    with pytest.raises(ProtectedError):
        Datastore.objects.get(lab=lab, name="iscsi-vmfs01").delete()


def test_a_cluster_with_hosts_cannot_be_deleted(lab, esx01):
    cluster = Cluster.objects.create(lab=lab, datacenter=esx01.datacenter, name="C1")
    esx01.cluster = cluster
    esx01.save()
    with pytest.raises(ProtectedError):
        cluster.delete()


@pytest.mark.parametrize("field, value", [("num_cpu", 0), ("num_cpu", 9), ("memory_mb", 2), ("memory_reservation_mb", 99999)])
def test_vm_hardware_outside_vsphere_limits_is_refused_by_the_database(web01, field, value):
    setattr(web01, field, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        web01.save()


def test_a_thin_disk_cannot_use_more_than_its_size(web01):
    disk = web01.disks.get()
    disk.used_mb = disk.capacity_mb + 1
    with pytest.raises(IntegrityError), transaction.atomic():
        disk.save()


def test_an_ft_secondary_must_name_its_primary(web01):
    web01.ft_role = "secondary"
    with pytest.raises(IntegrityError), transaction.atomic():
        web01.save()


def test_managed_object_ids_look_like_vsphere(lab, esx01, web01):
    dc = Datacenter.objects.get(lab=lab)
    cluster = Cluster.objects.create(lab=lab, datacenter=dc, name="C1")
    assert esx01.moid == f"host-{esx01.pk}"
    assert web01.moid == f"vm-{web01.pk}"
    assert cluster.moid == f"domain-c{cluster.pk}"
    assert dc.moid == f"datacenter-{dc.pk}"
    assert web01.datastore.moid == f"datastore-{web01.datastore.pk}"


def test_memory_overhead_is_computed_unless_set(web01):
    assert web01.memory_overhead_mb == default_memory_overhead_mb(1, 2048) == 90 + 32
    web01.memory_overhead_override_mb = 150
    assert web01.memory_overhead_mb == 150


def test_host_capacity_figures(esx01):
    assert esx01.cores == 12 and esx01.cpu_total_mhz == 12 * 2600
    assert esx01.evc_modes == ["amd-rev-e", "amd-rev-f", "amd-greyhound"]


def test_disk_labels_are_unique_per_vm(web01):
    disk = web01.disks.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        VirtualDisk.objects.create(vm=web01, label=disk.label, datastore=disk.datastore, capacity_mb=10, used_mb=10)


def test_host_names_unique_per_lab(lab, esx01):
    clone = Host.objects.get(pk=esx01.pk)
    clone.pk = None
    clone.name = "ESX01.LAB.LOCAL"
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()
