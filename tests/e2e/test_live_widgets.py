"""Live widgets in a real browser: navigation under hx-boost keeps the lab's socket open; during a
live VMotion the VM's header, the destination host's General and Resources boxes and its cluster's
Summary follow without reload, and htmx logs no error (no fragment for a region the page lacks)."""

import re
import time

import pytest
from playwright.sync_api import expect

from inventory.models import Datacenter, Host, Lab
from inventory.services.tree import cluster_create
from operations.services.migrate import vm_migrate
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HTMX_ERROR = re.compile(r"htmx:\w*(Error|error)|oobErrorNoTarget")


def watch(page, log: list) -> None:
    page.on("console", lambda m: log.append(f"{m.type}: {m.text}"))
    page.on("websocket", lambda ws: log.append(f"socket: {ws.url}"))


def test_a_live_vmotion_updates_every_region_shown_and_navigation_keeps_the_socket(
        browser, login, lab, owner, web01, esx01, esx02, server):
    cluster = cluster_create(datacenter=Datacenter.objects.get(lab=lab), name="Cluster", user=owner)
    Host.objects.filter(pk=esx02.pk).update(cluster=cluster)  # web01 moves into the cluster
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    vm_page = login("alice", PASSWORD, on=context.new_page())
    logs = {name: [] for name in ("vm", "host", "cluster")}
    watch(vm_page, logs["vm"])
    vm_page.goto(f"{server}/labs/{lab.pk}/")
    expect(vm_page.locator("body.live")).to_be_attached()
    vm_page.evaluate("window.notReloaded = true")
    # hx-boost navigation: the tree, then the VM's tabs, then back to its Summary
    vm_page.locator("#tree-body .node", has_text="W2K8-Web01").first.click()
    expect(vm_page.locator(f"#objhead-{web01.moid}")).to_contain_text("on esx01.lab.local")
    vm_page.get_by_role("tab", name="Maps").click()
    expect(vm_page.get_by_role("tab", name="Maps")).to_have_attribute("aria-selected", "true")
    vm_page.get_by_role("tab", name="Summary").click()
    expect(vm_page.locator(f"#vm-{web01.pk}-live")).to_be_visible()
    sockets = [line for line in logs["vm"] if line.startswith("socket:")]
    assert len(sockets) == 1, sockets  # one socket for the three navigations

    host_page, cluster_page = context.new_page(), context.new_page()
    watch(host_page, logs["host"])
    watch(cluster_page, logs["cluster"])
    host_page.goto(f"{server}/labs/{lab.pk}/{esx02.moid}/")
    cluster_page.goto(f"{server}/labs/{lab.pk}/{cluster.moid}/")
    for p in (host_page, cluster_page):
        expect(p.locator("body.live")).to_be_attached()
    host_general = host_page.locator(f"#host-{esx02.pk}-live")
    expect(host_general).to_contain_text("1 (0 powered on)")
    host_usage = host_page.locator(f"#usage-{esx02.moid}")
    usage_before = host_usage.inner_text()
    cluster_general = cluster_page.locator(f"#cluster-{cluster.pk}-general")
    expect(cluster_general).to_contain_text("1 (0 powered on)")

    Lab.objects.filter(pk=lab.pk).update(clock_paused=False, clock_speed=10, clock_wall_at=time.time())
    vm_migrate(vm=web01, host=esx02, user=owner)

    expect(vm_page.locator(f"#objhead-{web01.moid}")).to_contain_text("on esx02.lab.local", timeout=30_000)
    expect(vm_page.locator(f"#vm-{web01.pk}-live")).to_contain_text("esx02.lab.local")
    expect(host_general).to_contain_text("2 (1 powered on)", timeout=10_000)
    expect(host_usage).not_to_have_text(usage_before)
    expect(cluster_general).to_contain_text("2 (1 powered on)", timeout=10_000)
    expect(cluster_page.locator(f"#usage-{cluster.moid}")).to_be_visible()
    assert vm_page.evaluate("window.notReloaded") is True
    assert len([line for line in logs["vm"] if line.startswith("socket:")]) == 1
    for name, lines in logs.items():
        errors = [line for line in lines if HTMX_ERROR.search(line)]
        assert not errors, (name, errors)
    context.close()
