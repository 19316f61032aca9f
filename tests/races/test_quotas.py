"""Students' quotas under concurrent requests: the limit holds however many ask at once."""

import pytest

from inventory.models import Datacenter, Host, Lab, VirtualMachine

from .conftest import ApiClient, statuses, together

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_lab_creations_stop_at_the_students_quota(owner, lab, settings):
    settings.STUDENT_MAX_LABS = 3  # the owner has one lab (the fixture's): two more fit
    clients = [ApiClient(owner) for _ in range(5)]

    answers = together(5, lambda i: clients[i].post("/labs", {"preset": "seed-article", "name": f"Lab {i}"}))

    assert statuses(answers) == {201: 2, 400: 3}, [(a.status, a.body) for a in answers]
    for refused in (a for a in answers if a.status == 400):
        assert refused.error_type == "UNABLE_TO_ALLOCATE_RESOURCE"
        assert refused.messages[0].startswith("Quota reached: a student may own 3 labs, and you own 3.")
    assert Lab.objects.filter(owner=owner).count() == 3


def test_concurrent_new_vms_stop_at_the_students_quota(owner, lab, esx01, settings):
    settings.STUDENT_MAX_VMS_PER_LAB = VirtualMachine.objects.filter(lab=lab).count() + 1
    datastore = esx01.datastores.get(name="iscsi-vmfs01")
    clients = [ApiClient(owner) for _ in range(4)]

    answers = together(4, lambda i: clients[i].post(f"/labs/{lab.moid}/vcenter/vm", {
        "name": f"Quota-{i}", "host": esx01.moid, "datastore": datastore.moid, "disk_size_MiB": 1024}))

    assert statuses(answers) == {201: 1, 400: 3}, [(a.status, a.body) for a in answers]
    limit = settings.STUDENT_MAX_VMS_PER_LAB
    for refused in (a for a in answers if a.status == 400):
        assert refused.messages == [f"Quota reached: a student's lab may hold {limit} virtual machines, and lab Seed "
                                    f"has {limit}. Ask an instructor to raise the limit (STUDENT_MAX_VMS_PER_LAB)."]
    assert VirtualMachine.objects.filter(lab=lab).count() == limit


def test_concurrent_add_hosts_stop_at_the_students_quota(owner, lab, settings):
    settings.STUDENT_MAX_HOSTS_PER_LAB = 3  # the seed lab has two hosts
    datacenter = Datacenter.objects.get(lab=lab)
    clients = [ApiClient(owner) for _ in range(4)]

    answers = together(4, lambda i: clients[i].post(f"/labs/{lab.moid}/vcenter/host", {
        "name": f"esx1{i}.lab.local", "datacenter": datacenter.moid, "profile": "r805-2435-32"}))

    assert statuses(answers) == {201: 1, 400: 3}, [(a.status, a.body) for a in answers]
    assert all("STUDENT_MAX_HOSTS_PER_LAB" in a.messages[0] for a in answers if a.status == 400)
    assert Host.objects.filter(lab=lab).count() == 3
