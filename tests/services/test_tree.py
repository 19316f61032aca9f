"""Datacenter, cluster and host services: the rules vCenter applies when the tree changes."""

import pytest

from inventory import services
from inventory.hardware import PROFILES_BY_KEY
from inventory.models import Cluster, Datacenter, Datastore, Host, VirtualMachine
from operations.faults import AlreadyExists, InvalidArgument, InvalidState, ResourceInUse
from operations.models import Event, Task, TaskState

R805 = PROFILES_BY_KEY["r805-2435-32"].spec
R710 = PROFILES_BY_KEY["r710-x5570-48"].spec
DL385 = PROFILES_BY_KEY["dl385g2-2218-16"].spec


@pytest.fixture
def dc(lab):
    return Datacenter.objects.get(lab=lab)


@pytest.fixture
def cluster(dc, owner):
    return services.cluster_create(datacenter=dc, name="Cluster01", user=owner)


def test_new_cluster_records_a_task_and_a_numbered_event(dc, owner, lab):
    seq_before = Event.objects.filter(lab=lab).count()
    cluster = services.cluster_create(datacenter=dc, name="Cluster01", user=owner, ha_enabled=True)
    task = Task.objects.get(lab=lab, name="Create cluster")
    assert (task.state, task.progress, task.object_moid, task.initiator_name) == (TaskState.SUCCESS, 100, cluster.moid, "alice")
    event = Event.objects.filter(lab=lab).first()
    assert event.seq == seq_before + 1 and "Created cluster Cluster01 in Datacenter" == event.message


def test_a_duplicate_name_is_refused_whatever_its_case(dc, owner, cluster):
    with pytest.raises(AlreadyExists, match="The name 'cluster01' already exists"):
        services.cluster_create(datacenter=dc, name="cluster01", user=owner)
    assert Cluster.objects.filter(lab=dc.lab).count() == 1


def test_moving_a_host_into_a_cluster_keeps_its_running_vms(esx01, cluster, owner):
    services.host_move(host=esx01, destination=cluster, user=owner)
    esx01.refresh_from_db()
    assert esx01.cluster == cluster
    assert esx01.vms.filter(power_state="poweredOn").count() == 2
    assert Task.objects.filter(name="Move host into cluster", object_moid=esx01.moid).exists()


def test_a_host_leaves_a_cluster_only_in_maintenance_mode(esx02, cluster, dc, owner, xp01):
    services.host_move(host=esx02, destination=cluster, user=owner)
    with pytest.raises(InvalidState, match="maintenance mode"):
        services.host_move(host=esx02, destination=dc, user=owner)
    services.host_enter_maintenance(host=esx02, user=owner)
    services.host_move(host=esx02, destination=dc, user=owner)
    esx02.refresh_from_db()
    assert esx02.cluster is None


def test_a_host_cannot_move_to_another_datacenter(esx01, lab, owner):
    other = services.datacenter_create(lab=lab, name="DR Site", user=owner)
    other_cluster = services.cluster_create(datacenter=other, name="DR", user=owner)
    with pytest.raises(InvalidArgument, match="within datacenter"):
        services.host_move(host=esx01, destination=other_cluster, user=owner)


def test_an_evc_cluster_refuses_a_host_whose_cpu_cannot_run_its_baseline(lab, dc, owner):
    evc = services.cluster_create(datacenter=dc, name="EVC-Gen3", user=owner, evc_mode="amd-greyhound")
    old = services.host_add(lab=lab, name="esx03.lab.local", spec=DL385, user=owner, datacenter=dc)
    with pytest.raises(InvalidState, match="Enhanced VMotion Compatibility"):
        services.host_move(host=old, destination=evc, user=owner)
    intel = services.host_add(lab=lab, name="esx04.lab.local", spec=R710, user=owner, datacenter=dc)
    with pytest.raises(InvalidState, match="Enhanced VMotion Compatibility"):
        services.host_move(host=intel, destination=evc, user=owner)
    old.refresh_from_db()
    assert old.cluster is None


def test_a_cluster_holds_at_most_32_hosts(lab, dc, owner, cluster):
    for n in range(32):
        services.host_add(lab=lab, name=f"h{n}.lab.local", spec=R805, user=owner, datacenter=dc, cluster=cluster,
                          shared_storage=False)
    with pytest.raises(InvalidState, match="32 hosts"):
        services.host_add(lab=lab, name="h32.lab.local", spec=R805, user=owner, datacenter=dc, cluster=cluster)


def test_add_host_builds_networking_local_storage_and_shared_storage(lab, dc, owner):
    host = services.host_add(lab=lab, name="ESX03.lab.local", spec=R805, user=owner, datacenter=dc)
    assert host.name == "esx03.lab.local"  # DNS names are case-insensitive; vCenter shows them lower case
    assert host.vmknics.get(device="vmk0").management
    assert host.vmknics.get(device="vmk1").vmotion
    ips = set(Host.objects.filter(lab=lab).values_list("vmknics__ip", flat=True))
    assert len(ips) == 6  # no address reused across the lab's VMkernel ports
    names = set(host.datastores.values_list("name", flat=True))
    assert names == {"iscsi-vmfs01", "datastore1 (2)"}
    assert "Added host esx03.lab.local to datacenter Datacenter" in Event.objects.filter(lab=lab).first().message


def test_add_host_refuses_a_management_ip_in_use(lab, dc, owner, esx01):
    used = esx01.vmknics.get(device="vmk0").ip
    with pytest.raises(InvalidArgument, match="already used"):
        services.host_add(lab=lab, name="esx03.lab.local", spec=R805, user=owner, datacenter=dc, management_ip=used)
    assert not Host.objects.filter(name="esx03.lab.local").exists()


def test_maintenance_mode_is_refused_while_vms_run(esx01, owner):
    with pytest.raises(InvalidState, match="2 powered-on"):
        services.host_enter_maintenance(host=esx01, user=owner)
    esx01.refresh_from_db()
    assert not esx01.in_maintenance_mode


def test_removing_a_host_removes_its_vms_but_their_files_stay(esx02, xp01, owner, lab):
    shared = Datastore.objects.get(lab=lab, name="iscsi-vmfs01")
    from inventory.selectors import datastore_free_mb

    free_before = datastore_free_mb(shared)
    with pytest.raises(InvalidState, match="maintenance mode"):
        services.host_remove(host=esx02, user=owner)
    services.host_enter_maintenance(host=esx02, user=owner)
    services.host_remove(host=esx02, user=owner)
    assert not Host.objects.filter(pk=esx02.pk).exists()
    assert not VirtualMachine.objects.filter(pk=xp01.pk).exists()
    assert datastore_free_mb(shared) == free_before  # the VM's files are still on the datastore
    assert not Datastore.objects.filter(lab=lab, name="datastore1 (1)").exists()  # its local volume went with it


def test_hosts_cannot_be_renamed_but_vms_can(esx01, web01, owner):
    with pytest.raises(InvalidState):
        services.entity_rename(obj=esx01, new_name="x", user=owner)
    services.entity_rename(obj=web01, new_name="IIS-01", user=owner)
    web01.refresh_from_db()
    assert web01.name == "IIS-01"


def test_rename_to_an_existing_name_is_refused(web01, xp01, owner):
    with pytest.raises(AlreadyExists):
        services.entity_rename(obj=web01, new_name="xp-client01", user=owner)


def test_only_empty_clusters_and_datacenters_are_removed(esx01, cluster, dc, owner):
    services.host_move(host=esx01, destination=cluster, user=owner)
    with pytest.raises(ResourceInUse):
        services.entity_remove(obj=cluster, user=owner)
    with pytest.raises(ResourceInUse):
        services.entity_remove(obj=dc, user=owner)
    empty = services.cluster_create(datacenter=dc, name="Empty", user=owner)
    services.entity_remove(obj=empty, user=owner)
    assert not Cluster.objects.filter(pk=empty.pk).exists()
