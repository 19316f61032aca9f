"""Students' quotas (settings.STUDENT_MAX_*): labs per student, hosts and VMs per lab a student
owns; instructors have none. Pages and API show the same message (concurrency: tests/races)."""

import html

import pytest

from accounts.roles import make_instructor
from inventory import services
from inventory.hardware import PROFILES_BY_KEY
from inventory.models import Datacenter, Host, Lab, VirtualMachine
from inventory.presets import lab_create
from operations.faults import QuotaExceeded

R805 = PROFILES_BY_KEY["r805-2435-32"].spec


def test_a_student_may_own_at_most_the_labs_quota(owner, settings):
    settings.STUDENT_MAX_LABS = 2
    lab_create(owner=owner, preset="seed-article", name="One")
    lab_create(owner=owner, preset="seed-article", name="Two")
    with pytest.raises(QuotaExceeded) as refused:
        lab_create(owner=owner, preset="seed-article", name="Three")
    assert refused.value.messages == ["Quota reached: a student may own 2 labs, and you own 2. Ask an instructor to "
                                      "raise the limit (STUDENT_MAX_LABS)."]
    assert refused.value.error_type == "UNABLE_TO_ALLOCATE_RESOURCE"
    assert not Lab.objects.filter(name="Three").exists()


def test_instructors_have_no_quotas(instructor, settings):
    settings.STUDENT_MAX_LABS, settings.STUDENT_MAX_HOSTS_PER_LAB = 1, 1
    lab_create(owner=instructor, preset="seed-article", name="One")
    big = lab_create(owner=instructor, preset="mixed-cpu", name="Four hosts")  # 4 hosts in one lab
    services.host_add(lab=big, name="esx09.lab.local", spec=R805, user=instructor,
                      datacenter=Datacenter.objects.get(lab=big))
    assert Lab.objects.filter(owner=instructor).count() == 2 and Host.objects.filter(lab=big).count() == 5


def test_the_per_lab_quotas_follow_the_labs_owner(lab, owner, member, esx01, settings):
    settings.STUDENT_MAX_HOSTS_PER_LAB, settings.STUDENT_MAX_VMS_PER_LAB = 2, 3  # the seed lab: 2 hosts, 3 VMs
    datacenter = Datacenter.objects.get(lab=lab)
    with pytest.raises(QuotaExceeded, match=r"a student's lab may hold 2 hosts, and lab Seed has 2\. .*"
                                            r"\(STUDENT_MAX_HOSTS_PER_LAB\)"):
        services.host_add(lab=lab, name="esx03.lab.local", spec=R805, user=owner, datacenter=datacenter)
    with pytest.raises(QuotaExceeded, match=r"may hold 3 virtual machines, and lab Seed has 3\. .*"
                                            r"\(STUDENT_MAX_VMS_PER_LAB\)"):
        services.vm_create(host=esx01, name="One-More", user=owner, datastore=esx01.datastores.get(name="iscsi-vmfs01"),
                           network=esx01.portgroups.filter(network__isnull=False).first().network,
                           guest_os="rhel5_64Guest", num_cpu=1, memory_mb=512, disk_mb=1024, provisioning="thin")
    # an instructor's lab has no per-lab limit, whoever adds to it
    make_instructor(owner)
    lab = Lab.objects.get(pk=lab.pk)  # as the next request reads it
    services.host_add(lab=lab, name="esx03.lab.local", spec=R805, user=member, datacenter=datacenter)


def test_a_student_cannot_build_a_scale_lab_beyond_the_per_lab_quotas(owner, instructor, settings):
    settings.STUDENT_MAX_HOSTS_PER_LAB = 8
    with pytest.raises(QuotaExceeded, match="may hold 8 hosts, and this preset builds 10"):
        lab_create(owner=owner, preset="scale", hosts=10, vms=20, cluster_size=5)
    assert not Lab.objects.filter(owner=owner).exists()
    assert Host.objects.filter(lab=lab_create(owner=instructor, preset="scale", hosts=10, vms=20, cluster_size=5)).count() == 10


def test_the_new_lab_page_shows_the_quota_message(owner, owner_client, settings):
    settings.STUDENT_MAX_LABS = 1
    lab_create(owner=owner, preset="seed-article", name="Mine")
    response = owner_client.post("/labs/new/", {"preset": "classroom", "name": "Another"})
    assert response.status_code == 422
    assert "Quota reached: a student may own 1 lab, and you own 1." in html.unescape(response.content.decode())
    assert Lab.objects.filter(owner=owner).count() == 1


def test_createlab_is_the_operators_command_and_quotas_do_not_bind_it(owner, capsys):
    """A student's quota bounds what the student creates; the server's operator builds any lab."""
    from django.core.management import call_command

    call_command("createlab", "--preset", "scale", "--owner", owner.username, "--hosts", "70", "--vms", "700")
    lab = Lab.objects.get(pk=int(capsys.readouterr().out.strip().removeprefix("lab-")))
    assert Host.objects.filter(lab=lab).count() == 70 and VirtualMachine.objects.filter(lab=lab).count() == 700
