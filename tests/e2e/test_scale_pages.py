"""A big lab in a real browser (issue 11, item 5): the tree is lazy (clusters closed, a cluster's
hosts and a host's VMs fetched when opened), what the user opened stays open as they move from
page to page under hx-boost, and an 80-character name is cut with the full name on hover. The
screenshots (--screenshot-dir) are for a person to look at."""

import pytest
from playwright.sync_api import expect

from inventory.models import Cluster, Lab, VirtualMachine
from inventory.presets import lab_create
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page, request, tmp_path, name):
    out = request.config.getoption("--screenshot-dir") or str(tmp_path)
    page.screenshot(path=f"{out}/{name}.png")


def test_a_big_labs_tree_opens_on_demand_and_keeps_what_was_opened(login, owner, server, request, tmp_path):
    lab = lab_create(owner=owner, preset="scale", hosts=70, vms=700, cluster_size=32, quota=False)
    Lab.objects.filter(pk=lab.pk).update(clock_paused=True)
    cluster = Cluster.objects.filter(lab=lab).order_by("name").first()
    vm = VirtualMachine.objects.filter(lab=lab, host__name="esx0002.scale.local").order_by("name").first()
    VirtualMachine.objects.filter(pk=vm.pk).update(name="A" * 40 + "-very-long-virtual-machine-name-" + "Z" * 8)
    long_name = "A" * 40 + "-very-long-virtual-machine-name-" + "Z" * 8
    page = login("alice", PASSWORD)
    page.goto(f"{server}/labs/{lab.pk}/")
    tree = page.locator("#tree-body")
    expect(tree.locator(f'.node[data-moid="{cluster.moid}"]')).to_be_visible()
    expect(tree.locator(".node.host")).to_have_count(0)  # clusters come closed
    shot(page, request, tmp_path, "scale-home")

    tree.locator(f'li[data-moid="{cluster.moid}"] > .twisty').click()
    expect(tree.locator(".node.host")).to_have_count(32)
    host = tree.locator('li[data-moid^="host-"]', has_text="esx0002.scale.local")
    host.locator("> .twisty").click()
    expect(tree.locator(".node.vm", has_text="AAAA")).to_be_visible()
    shot(page, request, tmp_path, "scale-cluster-open")

    page.click("a[role=tab]:has-text('Hosts')")  # another page, under hx-boost: the tree stays as it was
    expect(page.locator("a[role=tab].active")).to_have_text("Hosts")
    expect(tree.locator(".node.host")).to_have_count(32)
    expect(tree.locator(".node.vm", has_text="AAAA")).to_be_visible()

    page.goto(f"{server}/labs/{lab.pk}/root/maps/")
    expect(page.locator("#lab-map .map-cluster")).to_have_count(3)
    shot(page, request, tmp_path, "scale-maps")

    page.goto(f"{server}/labs/{lab.pk}/{vm.moid}/")
    head = page.locator(".objhead h1")
    expect(head).to_have_attribute("title", long_name)
    box = head.bounding_box()
    assert box["x"] + box["width"] <= page.viewport_size["width"]  # cut, not overflowing
    node = tree.locator(f'.node[data-moid="{vm.moid}"]')
    expect(node).to_have_attribute("title", long_name)
    tree_box, node_box = page.locator("nav.tree").bounding_box(), node.bounding_box()
    assert node_box["x"] + node_box["width"] <= tree_box["x"] + tree_box["width"]
    shot(page, request, tmp_path, "scale-long-name")
