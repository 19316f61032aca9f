"""The presets build the labs the lessons start from (REFERENCE.md §1 for seed-article)."""

import pytest
from django.core.management import CommandError, call_command

from inventory.choices import DiskProvisioning, StorageBacking, VmPowerState
from inventory.models import Cluster, Datacenter, Datastore, Host, Lab, Network, VirtualMachine, VMkernelNic
from inventory.presets import lab_create
from inventory.selectors import datastore_free_mb
from operations.faults import InvalidArgument
from operations.models import Event


def test_seed_article_lab_holds_the_articles_datacenter(lab):
    hosts = list(Host.objects.filter(lab=lab).order_by("name"))
    assert [h.name for h in hosts] == ["esx01.lab.local", "esx02.lab.local"]
    for host in hosts:
        assert (host.vendor, host.model) == ("Dell Inc.", "PowerEdge R805")
        assert host.cpu_vendor == "amd" and "Opteron" in host.cpu_model
        assert host.memory_mb == 32 * 1024
        assert host.esx_version.startswith("4.0")
        assert host.cluster is None  # no cluster yet, as at the start of the article
    assert Cluster.objects.filter(lab=lab).count() == 0
    assert Datacenter.objects.filter(lab=lab).count() == 1

    shared = Datastore.objects.get(lab=lab, name="iscsi-vmfs01")
    assert (shared.type, shared.backing) == ("VMFS", StorageBacking.ISCSI)
    assert set(shared.hosts.all()) == set(hosts)
    for host in hosts:
        local = host.datastores.filter(backing=StorageBacking.LOCAL)
        assert local.count() == 1 and list(local[0].hosts.all()) == [host]

    # management and VMkernel networks, with different storage IPs on the two hosts (the article's warning)
    for host in hosts:
        assert host.vmknics.filter(management=True, portgroup__name="Management Network").exists()
        assert host.vmknics.filter(vmotion=True, portgroup__name="VMkernel").exists()
        assert host.portgroups.filter(network__name="VM Network").exists()
    vmk_ips = list(VMkernelNic.objects.filter(host__lab=lab, device="vmk1").values_list("ip", flat=True))
    assert len(set(vmk_ips)) == 2

    vms = VirtualMachine.objects.filter(lab=lab)
    assert vms.count() == 3
    thin = [vm for vm in vms if vm.disks.filter(provisioning=DiskProvisioning.THIN).exists()]
    assert [vm.name for vm in thin] == ["XP-Client01"]
    assert all(vm.datastore == shared for vm in vms)  # on shared storage, so VMotion is possible
    assert vms.filter(power_state=VmPowerState.POWERED_ON).count() == 2
    for vm in vms:
        assert 1 <= vm.num_cpu <= 2 and 1024 <= vm.memory_mb <= 4096 and vm.nics.count() == 1


def test_seed_article_datastore_free_space_accounts_for_disks(lab):
    shared = Datastore.objects.get(lab=lab, name="iscsi-vmfs01")
    # two thick disks (40 + 60 GB), one thin disk that has written 6.5 GB, VMFS metadata 600 MB
    assert datastore_free_mb(shared) == 500 * 1024 - 40 * 1024 - 60 * 1024 - (6 * 1024 + 512) - 600


def test_classroom_has_three_clustered_hosts_and_six_vms(owner):
    lab = lab_create(owner=owner, preset="classroom")
    cluster = Cluster.objects.get(lab=lab)
    assert cluster.hosts.count() == 3
    assert VirtualMachine.objects.filter(lab=lab).count() == 6
    assert Network.objects.filter(lab=lab).count() == 1


def test_mixed_cpu_puts_an_intel_host_beside_amd_hosts(owner):
    lab = lab_create(owner=owner, preset="mixed-cpu")
    vendors = sorted(Host.objects.filter(lab=lab).values_list("cpu_vendor", flat=True))
    assert vendors.count("intel") == 1 and vendors.count("amd") >= 2
    amd_generations = set(Host.objects.filter(lab=lab, cpu_vendor="amd").values_list("evc_max", flat=True))
    assert len(amd_generations) == 2  # two Opteron generations, for EVC lessons


def test_scale_builds_clusters_of_the_requested_size(instructor):
    # beyond a student's quotas (64 hosts, 640 VMs per lab): an instructor's lab
    lab = lab_create(owner=instructor, preset="scale", hosts=70, vms=700, cluster_size=32)
    clusters = Cluster.objects.filter(lab=lab).order_by("name")
    assert [c.hosts.count() for c in clusters] == [32, 32, 6]
    assert VirtualMachine.objects.filter(lab=lab, power_state=VmPowerState.POWERED_ON).count() == 700
    # each VM lives on a datastore its host mounts
    for vm in VirtualMachine.objects.filter(lab=lab).select_related("host", "datastore")[:50]:
        assert vm.datastore.hosts.filter(pk=vm.host_id).exists()


@pytest.mark.parametrize("params, message", [
    ({"hosts": 1001, "vms": 0, "cluster_size": 32}, "1000"),
    ({"hosts": 10, "vms": 10001, "cluster_size": 10}, "10000"),
    ({"hosts": 64, "vms": 100, "cluster_size": 33}, "32"),
    ({"hosts": 2, "vms": 700, "cluster_size": 2}, "320 VMs per host"),
])
def test_scale_refuses_beyond_the_vcenter_maxima(owner, params, message):
    with pytest.raises(InvalidArgument) as exc:
        lab_create(owner=owner, preset="scale", **params)
    assert message in str(exc.value)
    assert not Lab.objects.exists()


def test_unknown_preset_is_refused(owner):
    with pytest.raises(InvalidArgument):
        lab_create(owner=owner, preset="nope")


def test_a_new_lab_starts_its_event_stream(lab):
    event = Event.objects.get(lab=lab)
    assert event.seq == 1 and "seed-article" in event.message


def test_createlab_command_prints_the_new_labs_id(owner, capsys):
    call_command("createlab", "--preset", "seed-article", "--owner", "alice", "--name", "Demo")
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("lab-"), "the id the API and the page URLs use"
    lab = Lab.objects.get(pk=int(printed.removeprefix("lab-")))
    assert (lab.name, lab.owner, lab.preset) == ("Demo", owner, "seed-article")


def test_createlab_command_builds_scale_with_parameters(owner, capsys):
    call_command("createlab", "--preset", "scale", "--owner", "alice", "--hosts", "5", "--vms", "20", "--cluster-size", "4")
    lab = Lab.objects.get(pk=int(capsys.readouterr().out.strip().removeprefix("lab-")))
    assert Host.objects.filter(lab=lab).count() == 5 and Cluster.objects.filter(lab=lab).count() == 2


def test_createlab_command_rejects_an_unknown_owner(db):
    with pytest.raises(CommandError, match="No user named"):
        call_command("createlab", "--preset", "seed-article", "--owner", "ghost")


def test_loaddemo_creates_users_on_a_new_database_only(db, capsys):
    call_command("loaddemo")
    out = capsys.readouterr().out
    assert "instructor" in out and "student1" in out and "vsphere4lab" in out
    assert Lab.objects.filter(owner__username="student2", preset="seed-article").count() == 1
    call_command("loaddemo")
    assert "not loaded" in capsys.readouterr().out
    assert Lab.objects.count() == 3
