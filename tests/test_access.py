"""Who may see and touch a lab: owner, members and instructors; strangers get 404 everywhere."""

import pytest
from django.urls import reverse

from inventory.actions import ACTIONS
from inventory.models import Cluster, Datacenter, Datastore, Network, VirtualMachine
from inventory.views.pages import TABS
from operations.models import Event, Task


def lab_urls(lab, esx01, web01):
    """Every GET page of a lab: each object kind with each of its tabs, menus, dialogs and partials."""
    dc = Datacenter.objects.get(lab=lab)
    cluster = Cluster.objects.create(lab=lab, datacenter=dc, name="C1")
    objects = {
        "root": "root", "datacenter": dc.moid, "cluster": cluster.moid, "host": esx01.moid, "vm": web01.moid,
        "datastore": Datastore.objects.filter(lab=lab).first().moid, "network": Network.objects.get(lab=lab).moid,
    }
    urls = [reverse("lab", args=[lab.pk]), reverse("recent-tasks", args=[lab.pk]), reverse("faults", args=[lab.pk]),
            reverse("tree-host", args=[lab.pk, esx01.pk])]
    for kind, moid in objects.items():
        urls.append(reverse("menu", args=[lab.pk, moid]))
        for tab in TABS[kind]:
            urls.append(reverse("object-tab", args=[lab.pk, moid, tab]))
        for action in ACTIONS[kind]:
            for entry in action.entries or (action,):  # a submenu's entries (Simulate failure)
                urls.append(reverse("action", args=[lab.pk, moid, entry.slug]))
    return urls


@pytest.mark.parametrize("who", ["owner", "member", "instructor"])
def test_owner_members_and_instructors_see_every_page(client, request, lab, esx01, web01, who):
    client.force_login(request.getfixturevalue(who))
    for url in lab_urls(lab, esx01, web01):
        response = client.get(url)
        assert response.status_code == 200, url


def test_a_stranger_gets_404_for_every_page(client, stranger, lab, esx01, web01):
    client.force_login(stranger)
    for url in lab_urls(lab, esx01, web01):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Seed" not in response.content and b"esx01" not in response.content


def test_anonymous_users_are_sent_to_login(client, lab, esx01, web01):
    for url in lab_urls(lab, esx01, web01) + [reverse("home")]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_a_stranger_cannot_run_a_command(client, stranger, lab, web01):
    client.force_login(stranger)
    events = Event.objects.count()
    response = client.post(reverse("action", args=[lab.pk, web01.moid, "power-off"]))
    assert response.status_code == 404
    web01.refresh_from_db()
    assert web01.power_state == "poweredOn" and Event.objects.count() == events


@pytest.mark.parametrize("who", ["member", "instructor"])
def test_members_and_instructors_may_run_commands(client, request, lab, web01, who, sim):
    client.force_login(request.getfixturevalue(who))
    client.post(reverse("action", args=[lab.pk, web01.moid, "power-off"]))
    sim.run(2)
    web01.refresh_from_db()
    assert web01.power_state == "poweredOff"
    assert Task.objects.filter(name="Power Off virtual machine").get().initiator_name == request.getfixturevalue(who).username


def test_home_lists_only_the_labs_a_user_may_see(client, lab, stranger, instructor, member):
    link = f'href="{reverse("lab", args=[lab.pk])}"'
    client.force_login(stranger)
    assert link not in client.get(reverse("home")).content.decode()
    for user in (member, instructor):
        client.force_login(user)
        assert link in client.get(reverse("home")).content.decode()


def test_an_object_of_another_lab_is_not_found_through_this_lab(owner_client, lab, owner, stranger):
    from inventory.presets import lab_create

    theirs = lab_create(owner=stranger, preset="seed-article", name="Theirs")
    their_vm = VirtualMachine.objects.get(lab=theirs, name="XP-Client01")
    assert owner_client.get(reverse("object", args=[lab.pk, their_vm.moid])).status_code == 404
    response = owner_client.post(reverse("action", args=[lab.pk, their_vm.moid, "power-on"]))
    assert response.status_code == 404
    their_vm.refresh_from_db()
    assert their_vm.power_state == "poweredOff"


def test_the_staff_flag_alone_is_not_the_instructor_role(client, make_user, lab):
    """Instructors are a role (the Instructors group), not Django's staff flag."""
    admin_only = make_user("admin-only", is_staff=True)
    client.force_login(admin_only)
    assert client.get(reverse("lab", args=[lab.pk])).status_code == 404
    assert "Instructor" not in client.get(reverse("home")).content.decode()
