"""Finite resources under concurrent requests: exactly the allowed winners, the others refused with
vCenter's reason, nothing over-committed."""

import pytest

from inventory import services
from inventory.models import Datastore, Host, VirtualMachine
from inventory.selectors import datastore_free_mb, host_reserved, with_space
from operations.faults import VimFault
from tests.conftest import Sim

from .conftest import ApiClient, assert_invariants, statuses, together

pytestmark = pytest.mark.django_db(transaction=True)


def test_ten_new_vms_with_thick_disks_where_only_one_fits(lab, owner, esx01):
    datastore = Datastore.objects.get(lab=lab, name="iscsi-vmfs01")
    free = datastore_free_mb(datastore)
    disk = free * 6 // 10  # one fits, two do not
    vms_before = VirtualMachine.objects.filter(lab=lab).count()
    clients = [ApiClient(owner) for _ in range(10)]

    answers = together(10, lambda i: clients[i].post(f"/labs/{lab.moid}/vcenter/vm", {
        "name": f"Thick-{i}", "host": esx01.moid, "datastore": datastore.moid, "disk_size_MiB": disk,
        "disk_provisioning": "eagerZeroedThick"}))

    assert statuses(answers) == {201: 1, 400: 9}, [(a.status, a.body) for a in answers]
    for refused in (a for a in answers if a.status == 400):
        assert refused.error_type == "NOT_ALLOWED_IN_CURRENT_STATE"
        assert refused.messages[0].startswith("Insufficient disk space on datastore 'iscsi-vmfs01'"), refused.messages
    assert VirtualMachine.objects.filter(lab=lab).count() == vms_before + 1
    assert datastore_free_mb(datastore) == free - disk
    assert_invariants(lab)


def test_concurrent_power_ons_whose_reservations_fit_once(lab, owner, esx01):
    datastore = Datastore.objects.get(lab=lab, name="iscsi-vmfs01")
    network = esx01.portgroups.filter(network__isnull=False).first().network
    big = []
    for i in range(4):  # each reserves 18 GB of esx01's 32: one at a time fits
        vm = services.vm_create(host=esx01, name=f"Big-{i}", user=owner, datastore=datastore, network=network,
                                guest_os="rhel5_64Guest", num_cpu=1, memory_mb=18432, disk_mb=1024,
                                provisioning="thin")
        big.append(services.vm_reconfigure(vm=vm, user=owner, memory_reservation_mb=18432))
    clients = [ApiClient(owner) for _ in big]

    answers = together(4, lambda i: clients[i].post(f"/labs/{lab.moid}/vcenter/vm/{big[i].moid}/power", action="start"))

    assert statuses(answers) == {202: 1, 400: 3}, [(a.status, a.body) for a in answers]
    for refused in (a for a in answers if a.status == 400):
        assert refused.messages[0].startswith("Insufficient resources on host esx01.lab.local"), refused.messages
    Sim(lab).run(10)
    on = VirtualMachine.objects.filter(pk__in=[vm.pk for vm in big], power_state="poweredOn")
    assert on.count() == 1
    _, memory = host_reserved(Host.objects.get(pk=esx01.pk))
    assert memory <= esx01.memory_mb
    assert_invariants(lab)


def test_concurrent_disk_grows_and_new_disks_never_overcommit(lab, owner, xp01):
    """Edit Settings adding a thick disk on several VMs at once, where one fits."""
    datastore = Datastore.objects.get(lab=lab, name="iscsi-vmfs01")
    network = xp01.nics.first().network
    for i in range(5):
        services.vm_create(host=xp01.host, name=f"Small-{i}", user=owner, datastore=datastore, network=network,
                           guest_os="rhel5_64Guest", num_cpu=1, memory_mb=512, disk_mb=1024, provisioning="thin")
    free = datastore_free_mb(datastore)
    vms = list(VirtualMachine.objects.filter(lab=lab).order_by("pk"))  # eight

    def add_disk(i):
        try:
            services.vm_add_disk(vm=vms[i], user=owner, capacity_mb=free * 6 // 10, provisioning="eagerZeroedThick")
            return "added"
        except VimFault as refusal:
            return " ".join(refusal.messages)

    outcomes = together(len(vms), add_disk)

    assert outcomes.count("added") == 1, outcomes
    assert all(o.startswith("Insufficient disk space") for o in outcomes if o != "added"), outcomes
    assert with_space(Datastore.objects.filter(pk=datastore.pk)).get().free_mb >= 0
    assert_invariants(lab)
