"""Same-name races: one creation or rename wins, the others get vSphere's "already exists" (API) or
the dialog's message (pages); never a 500, never database text."""

import html

import pytest
from django.urls import reverse

from accounts.roles import make_instructor
from inventory.models import Datacenter, Lab, VirtualMachine

from .conftest import ApiClient, PageClient, assert_invariants, statuses, together

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_creations_of_one_name_through_the_api(lab, owner):
    clients = [ApiClient(owner) for _ in range(6)]

    answers = together(6, lambda i: clients[i].post(f"/labs/{lab.moid}/vcenter/datacenter", {"name": "Training"}))

    assert statuses(answers) == {201: 1, 400: 5}, [(a.status, a.body) for a in answers]
    for refused in (a for a in answers if a.status == 400):
        assert refused.error_type == "ALREADY_EXISTS"
        assert refused.messages == ["The name 'Training' already exists."]
    assert Datacenter.objects.filter(lab=lab, name__iexact="training").count() == 1
    assert_invariants(lab)


def test_concurrent_renames_to_one_name_through_the_pages(lab, owner, member):
    vms = list(VirtualMachine.objects.filter(lab=lab).order_by("pk"))
    browsers = [PageClient(owner if i % 2 == 0 else member) for i in range(len(vms))]

    responses = together(len(vms), lambda i: browsers[i].post(
        reverse("action", args=[lab.pk, vms[i].moid, "rename"]), {"name": "Gold-Image"}))

    # htmx: the winner's dialog answers with a client redirect (200), the others 422 with the form
    assert sorted(r.status_code for r in responses) == [200] + [422] * (len(vms) - 1)
    for refused in (r for r in responses if r.status_code == 422):
        page = html.unescape(refused.content.decode())
        assert "The name 'Gold-Image' already exists." in page
    assert VirtualMachine.objects.filter(lab=lab, name="Gold-Image").count() == 1
    assert_invariants(lab)


def test_concurrent_labs_of_one_name_for_one_owner(owner):
    make_instructor(owner)  # no labs quota in the way: this is about the name
    clients = [ApiClient(owner) for _ in range(4)]

    answers = together(4, lambda i: clients[i].post("/labs", {"preset": "seed-article", "name": "Mine"}))

    assert statuses(answers) == {201: 1, 400: 3}, [(a.status, a.body) for a in answers]
    for refused in (a for a in answers if a.status == 400):
        assert refused.error_type == "ALREADY_EXISTS"
        assert refused.messages == ["You already have a lab named 'Mine'."]
    assert Lab.objects.filter(owner=owner, name="Mine").count() == 1


def test_concurrent_new_virtual_machines_of_one_name(lab, owner, esx01):
    datastore = esx01.datastores.get(name="iscsi-vmfs01")
    clients = [ApiClient(owner) for _ in range(5)]

    answers = together(5, lambda i: clients[i].post(f"/labs/{lab.moid}/vcenter/vm", {
        "name": "Web-New", "host": esx01.moid, "datastore": datastore.moid, "disk_size_MiB": 1024}))

    assert statuses(answers) == {201: 1, 400: 4}, [(a.status, a.body) for a in answers]
    assert {tuple(a.messages) for a in answers if a.status == 400} == {("The name 'Web-New' already exists.",)}
    assert_invariants(lab)
