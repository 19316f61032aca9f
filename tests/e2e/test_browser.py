"""The article's first steps in a real browser: log in, open the seed lab, create a cluster and
drag a host into it, as the article does."""

import re
import time

import pytest
from playwright.sync_api import expect

from inventory.models import Cluster, Host, Lab
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def drag(page, source, target):
    """Drag `source` onto `target` with the HTML5 drag events the page handles. Not Playwright's
    drag_to: on a loaded machine it sometimes decides that the drag did not start (it gives the
    page's dragstart one zero-delay timer to arrive) and then never drops."""
    data = page.evaluate_handle("() => new DataTransfer()")
    source.dispatch_event("dragstart", {"dataTransfer": data})
    for kind in ("dragenter", "dragover", "drop"):
        target.dispatch_event(kind, {"dataTransfer": data})
    source.dispatch_event("dragend", {"dataTransfer": data})


def test_create_a_cluster_and_drag_a_host_into_it(login, lab, owner, server):
    page = login("alice", PASSWORD)
    page.get_by_role("link", name="Seed").click()
    expect(page.locator(".tree")).to_contain_text("esx01.lab.local")

    # Right-click the datacenter > New Cluster, as in the article
    page.locator(".tree .node", has_text="Datacenter").click(button="right")
    page.get_by_role("menuitem", name="New Cluster...").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("New Cluster")
    dialog.get_by_label("Name").fill("Cluster01")
    dialog.get_by_label("Turn On VMware HA").check()
    dialog.get_by_role("button", name="OK").click()
    expect(page.locator(".objhead h1")).to_have_text("Cluster01")
    expect(page.locator("#recent-tasks")).to_contain_text("Create cluster")

    # Drag esx01 onto the cluster icon
    host = page.locator(".tree .node.host", has_text="esx01.lab.local")
    target = page.locator(".tree .node", has_text="Cluster01")
    drag(page, host, target)
    expect(page.locator(".objhead h1")).to_have_text("esx01.lab.local")
    expect(page.locator(".tabbody")).to_contain_text("Cluster01")
    expect(page.locator("#recent-tasks")).to_contain_text("Move host into cluster")
    # the host now sits under the cluster in the tree, with its VMs
    cluster_item = page.locator(".tree li", has=page.locator(".node", has_text="Cluster01")).first
    expect(cluster_item).to_contain_text("esx01.lab.local")
    expect(cluster_item).to_contain_text("W2K8-Web01")

    cluster = Cluster.objects.get(lab=lab, name="Cluster01")
    assert Host.objects.get(lab=lab, name="esx01.lab.local").cluster == cluster and cluster.ha_enabled


def test_dragging_a_host_out_of_a_cluster_shows_vcenters_refusal(login, lab, esx01, server):
    cluster = Cluster.objects.create(lab=lab, datacenter=esx01.datacenter, name="Prod")
    Host.objects.filter(pk=esx01.pk).update(cluster=cluster)
    page = login("alice", PASSWORD)
    page.goto(f"{server}/labs/{lab.pk}/")
    drag(page, page.locator(".tree .node.host", has_text="esx01.lab.local"), page.locator(".tree .node", has_text="Datacenter"))
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("must be in maintenance mode to be moved out of cluster Prod")
    dialog.get_by_role("link", name="Cancel").click()
    page.wait_for_load_state("networkidle")  # a Cancel that loads anything would show here
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.locator("#dialog-body")).not_to_contain_text("Recent Tasks")
    assert Host.objects.get(pk=esx01.pk).cluster == cluster


def test_power_on_from_the_commands_box_and_a_form_error(login, lab, xp01, server):
    Lab.objects.filter(pk=lab.pk).update(clock_paused=False, clock_speed=10, clock_wall_at=time.time())
    page = login("alice", PASSWORD)
    page.goto(f"{server}/labs/{lab.pk}/{xp01.moid}/")
    page.locator(".commands").get_by_role("button", name="Power On").click()
    expect(page.locator("#recent-tasks")).to_contain_text("Power On virtual machine")
    # the task completes in simulated time; the page then reloads the pane and the tree
    expect(page.locator(".tabbody")).to_contain_text("Powered On", timeout=10_000)
    expect(page.locator(".tree .node", has_text="XP-Client01").locator("use")).to_have_attribute("href", "#i-vm-on")

    page.locator(".commands").get_by_role("link", name="Edit Settings").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Memory (MB)").fill("1023")  # within the input's min/max: only the server refuses it
    dialog.get_by_role("button", name="OK").click()
    expect(dialog).to_contain_text("Memory must be a multiple of 4 MB.")
    assert re.search(r"/vm-\d+/$", page.url)
