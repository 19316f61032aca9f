"""Simulated failures as a user drives them in the pages: the Simulate failure submenus, their
confirmation dialogs (refusals come back in the dialog, with the services' words), the fault
panel and its badge, and hosts and VMs shown greyed with their state, pushed live."""

import re

import pytest
from django.urls import reverse

from inventory.models import Datacenter, Host
from operations.live.fragments import compose
from operations.live.widgets import render_keys
from operations.models import Fault, Input
from operations.services.faults import fault_start, vm_fault_action

HX = {"HTTP_HX_REQUEST": "true"}


def menu(client, lab, obj) -> str:
    return client.get(reverse("menu", args=[lab.pk, obj.moid])).content.decode()


def submenu(html: str) -> list[str]:
    """The entries of the Simulate failure submenu, as the user reads them."""
    flyout = html.split('aria-label="Simulate failure">', 1)[1].split("</div>", 1)[0]
    return re.findall(r">([^<>]+?)</a>", flyout)


def action(lab, obj, slug):
    return reverse("action", args=[lab.pk, obj.moid, slug])


def live_html(sim) -> str:
    """What a page showing every widget receives for the batches so far: the publisher names the
    widgets, the web process renders them (as they stand now)."""
    frames = []
    for lab_id, message in sim.take_batches():
        fragments, stale = render_keys(lab_id, [k for k in message["lazy"] if not k.endswith(":*")])
        frames += compose({**message, "widgets": {**message["widgets"], **fragments}, "stale": stale})
    return "\n".join(frames)


def test_the_hosts_menu_lists_every_host_failure(owner_client, lab, esx01):
    assert submenu(menu(owner_client, lab, esx01)) == [
        "Power failure...", "Crash (purple diagnostic screen)...", "Pull the management network cable...",
        "Pull the VMotion network cable...", "Fail all paths to shared storage...",
        "Pull the FT logging network cable...", "Network partition with another host...",
    ]


def test_the_commands_box_has_the_same_submenu(owner_client, lab, esx01):
    html = owner_client.get(reverse("object", args=[lab.pk, esx01.moid])).content.decode()
    commands = html.split('class="box commands"', 1)[1].split("</details>", 1)[0]
    assert "<summary class=\"cmd\">Simulate failure</summary>" in commands
    assert action(lab, esx01, "fault-host-crash") in commands and "Crash (purple diagnostic screen)" in commands


def test_a_confirmation_says_what_will_happen(owner_client, lab, esx01):
    html = owner_client.get(action(lab, esx01, "fault-host-crash"), **HX).content.decode()
    assert "Simulate failure: Crash (purple diagnostic screen)" in html
    assert ("ESXi on esx01.lab.local stops with a purple diagnostic screen. The virtual machines running on "
            "esx01.lab.local (RHEL5-DB01, W2K8-Web01) go down with it") in html
    assert "vCenter notices after its 60 s heartbeat timeout" in html
    assert not Input.objects.exists()  # asking changes nothing


def test_ok_simulates_the_failure_and_the_entry_becomes_its_restore(owner_client, lab, esx01, sim):
    response = owner_client.post(action(lab, esx01, "fault-host-crash"), **HX)
    assert response.status_code == 200 and response["HX-Redirect"] == reverse("object", args=[lab.pk, esx01.moid])
    # even before the runner applies it, the menu offers the restore, not the crash again
    entries = submenu(menu(owner_client, lab, esx01))
    assert "Power on (reboot)..." in entries and "Crash (purple diagnostic screen)..." not in entries
    assert "Power failure..." not in entries  # a crashed host cannot also lose power
    sim.run()
    assert Fault.objects.get().kind == "host-crash"
    assert "Power on (reboot)..." in submenu(menu(owner_client, lab, esx01))
    owner_client.post(action(lab, esx01, "restore-host-crash"), **HX)
    sim.run()
    assert not Fault.objects.filter(ended_sim__isnull=True).exists()
    assert "Crash (purple diagnostic screen)..." in submenu(menu(owner_client, lab, esx01))


def test_a_refusal_comes_back_in_the_dialog_with_the_services_message(owner_client, lab, esx01, sim, owner):
    fault_start(lab=lab, kind="host-crash", host=esx01, user=owner)
    sim.run()
    response = owner_client.post(action(lab, esx01, "fault-host-power-off"), **HX)  # an old menu, opened before
    assert response.status_code == 422
    assert "A host crash is already simulated on esx01.lab.local." in response.content.decode()
    assert Input.objects.count() == 1


def test_a_network_partition_asks_for_the_other_host(owner_client, lab, esx01, esx02, sim):
    html = owner_client.get(action(lab, esx01, "fault-network-partition"), **HX).content.decode()
    assert "esx02.lab.local" in html and "and the host you choose can no longer reach each other" in html
    owner_client.post(action(lab, esx01, "fault-network-partition"), {"peer": esx02.moid}, **HX)
    sim.run()
    fault = Fault.objects.get()
    assert (fault.kind, fault.host, fault.peer) == ("network-partition", esx01, esx02)
    assert "Heal the partition..." in submenu(menu(owner_client, lab, esx02))  # either end heals it
    owner_client.post(action(lab, esx02, "restore-network-partition"), {"peer": esx01.moid}, **HX)
    sim.run()
    assert Fault.objects.get().ended_sim is not None


def test_the_management_switch_is_in_the_datacenters_menu(owner_client, lab, sim):
    datacenter = Datacenter.objects.get(lab=lab)
    assert submenu(menu(owner_client, lab, datacenter)) == ["Management switch failure (every host)..."]
    owner_client.post(action(lab, datacenter, "fault-management-switch"), **HX)
    sim.run()
    assert Host.objects.filter(lab=lab, management_connected=False).count() == 2
    assert submenu(menu(owner_client, lab, datacenter)) == ["Bring the management switch back..."]


def test_the_vms_menu_hangs_and_recovers_its_guest(owner_client, lab, web01, xp01, sim):
    assert submenu(menu(owner_client, lab, web01)) == ["Hang the guest OS..."]
    assert "Simulate failure" not in menu(owner_client, lab, xp01)  # powered off: nothing to hang
    owner_client.post(action(lab, web01, "fault-guest-hang"), **HX)
    sim.run()
    web01.refresh_from_db()
    assert web01.guest_hung_at is not None
    assert submenu(menu(owner_client, lab, web01)) == ["Recover the guest OS..."]


def test_the_fault_panel_lists_what_is_broken_and_restores_it(owner_client, lab, esx01, web01, sim, owner):
    fault_start(lab=lab, kind="management-network", host=esx01, user=owner)
    vm_fault_action(vm=web01, action="guest-hang", user=owner)
    sim.run(5)
    html = owner_client.get(reverse("faults", args=[lab.pk]), **HX).content.decode()
    assert "Management network cable pulled" in html and "Guest OS hang" in html
    assert "esx01.lab.local" in html and "W2K8-Web01" in html and "2010/02/10 09:00:00" in html
    assert "Restore all" in html
    fault = Fault.objects.get(kind="management-network")
    html = owner_client.post(reverse("fault-restore", args=[lab.pk, fault.pk]), **HX).content.decode()
    assert "Restoring…" in html  # asked, applied by the simulation at this instant
    again = owner_client.post(reverse("fault-restore", args=[lab.pk, fault.pk]), **HX)
    assert again.status_code == 422
    assert "is already being restored" in again.content.decode()
    owner_client.post(reverse("faults-restore-all", args=[lab.pk]), **HX)
    sim.run()
    html = owner_client.get(reverse("faults", args=[lab.pk]), **HX).content.decode()
    assert "Nothing is broken" in html and not Fault.objects.filter(ended_sim__isnull=True).exists()
    # the failure that is on no one object: offered from the panel too
    assert f'hx-get="{reverse("action", args=[lab.pk, "root", "fault-management-switch"])}"' in html


def test_the_panel_works_without_javascript(owner_client, lab, esx01, sim, owner):
    fault_start(lab=lab, kind="vmotion-network", host=esx01, user=owner)
    sim.run()
    page = owner_client.get(reverse("faults", args=[lab.pk]))
    assert page.status_code == 200 and "VMotion network cable pulled" in page.content.decode()
    response = owner_client.post(reverse("fault-restore", args=[lab.pk, Fault.objects.get().pk]))
    assert response.status_code == 302


def test_the_badge_counts_failures_and_is_pushed_with_the_panel(owner_client, lab, esx01, sim, owner):
    page = owner_client.get(reverse("lab", args=[lab.pk])).content.decode()
    assert re.search(r'id="fault-badge"[^>]*hidden', page)
    fault_start(lab=lab, kind="host-crash", host=esx01, user=owner)
    sim.run()
    pushed = live_html(sim)
    assert re.search(r'id="fault-badge"[^>]*>1</span>', pushed)
    assert 'id="fault-panel"' in pushed and "Host crash (purple diagnostic screen)" in pushed
    page = owner_client.get(reverse("lab", args=[lab.pk])).content.decode()
    assert re.search(r'id="fault-badge"[^>]*>1</span>', page)


def test_a_host_not_responding_and_its_vms_are_greyed_in_the_tree_and_summary(owner_client, lab, esx01, web01, sim,
                                                                              owner):
    fault_start(lab=lab, kind="host-crash", host=esx01, user=owner)
    sim.run()
    tree = live_html(sim)
    assert "esx01.lab.local <span class=\"node-state\">(powered off)</span>" in tree  # physically off at once
    sim.run(61, step=10)  # past vCenter's heartbeat timeout
    pushed = live_html(sim)
    assert re.search(r'class="node host greyed[^"]*"[^>]*>\s*<svg class="icon icon-host-notresp"', pushed)
    assert "esx01.lab.local <span class=\"node-state\">(not responding)</span>" in pushed
    assert re.search(r'class="node vm greyed disconnected[^>]*>.*W2K8-Web01 <span class="node-state">'
                     r'\(disconnected\)</span>', pushed)
    assert re.search(rf'<div class="objhead greyed" id="objhead-{web01.moid}"', pushed)  # its open Summary
    host_page = owner_client.get(reverse("object", args=[lab.pk, esx01.moid])).content.decode()
    assert 'esx01.lab.local <span class="obj-state">(not responding)</span></h1>' in host_page
    assert "Not Responding" in host_page and "longer than its heartbeat timeout" in host_page
    vm_page = owner_client.get(reverse("object", args=[lab.pk, web01.moid])).content.decode()
    assert 'W2K8-Web01 <span class="obj-state">(disconnected)</span></h1>' in vm_page


@pytest.mark.parametrize("state, power, words, icon", [
    ("disconnected", "poweredOn", "(disconnected)", "host-disconnected"),
    ("connected", "standBy", "(standby mode)", "host-standby"),
])
def test_other_host_states_in_the_tree(owner_client, lab, esx01, state, power, words, icon):
    Host.objects.filter(pk=esx01.pk).update(connection_state=state, power_state=power)
    html = owner_client.get(reverse("lab", args=[lab.pk])).content.decode()
    assert f'icon-{icon}' in html and f'esx01.lab.local <span class="node-state">{words}</span>' in html
