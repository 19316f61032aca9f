"""Two people in one lab, two browsers: one migrates a VM, the other watches the progress bar
advance and the VM move in the tree, its Summary and the Maps tab, without reloading."""

import re
import time

import pytest
from playwright.sync_api import expect

from inventory.models import Lab
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_second_user_sees_the_vmotion_live(browser, login, lab, web01, server):
    Lab.objects.filter(pk=lab.pk).update(clock_paused=False, clock_speed=5, clock_wall_at=time.time())
    bob_context = browser.new_context(viewport={"width": 1400, "height": 900})
    bob = login("bob", PASSWORD, on=bob_context.new_page())
    bob.goto(f"{server}/labs/{lab.pk}/{web01.moid}/")
    expect(bob.locator("body.live")).to_be_attached()  # the live socket is open
    bob.evaluate("window.notReloaded = true")

    alice = login("alice", PASSWORD)
    alice.goto(f"{server}/labs/{lab.pk}/{web01.moid}/")
    alice.locator(".commands").get_by_role("link", name="Migrate").click()
    dialog = alice.locator("dialog[open]")
    step = dialog.locator(".wizard-page h3")  # each click waits for the step it belongs to
    expect(step).to_have_text("Select Migration Type")
    dialog.get_by_role("button", name="Next >").click()
    expect(step).to_have_text("Select Destination")
    dialog.get_by_label("esx02.lab.local").check()
    expect(dialog.locator(".compatibility")).to_contain_text("Validation succeeded")
    dialog.get_by_role("button", name="Next >").click()
    expect(step).to_have_text("VMotion Priority")
    dialog.get_by_role("button", name="Next >").click()
    expect(step).to_have_text("Ready to Complete")
    dialog.get_by_role("button", name="Finish").click()

    row = bob.locator("#recent-tasks-body tr", has_text="Migrate virtual machine")
    expect(row.locator('[role="progressbar"]')).to_be_visible(timeout=10_000)
    expect(row).to_contain_text(re.compile(r"Pre-copy round \d"), timeout=10_000)
    expect(row).to_contain_text("Completed", timeout=20_000)
    esx02_item = bob.locator("#tree-body li", has=bob.locator(".node", has_text="esx02.lab.local")).first
    expect(esx02_item).to_contain_text("W2K8-Web01")
    expect(bob.locator(f"#vm-{web01.pk}-live")).to_contain_text("esx02.lab.local")
    expect(bob.locator("#tree-body .node.sel")).to_have_text(re.compile("W2K8-Web01"))
    assert bob.evaluate("window.notReloaded") is True
    bob_context.close()


def test_the_page_shows_reconnecting_and_recovers(login, lab, server, page):
    page = login("alice", PASSWORD)
    page.goto(f"{server}/labs/{lab.pk}/")
    expect(page.locator("body.live")).to_be_attached()
    page.context.set_offline(True)
    page.evaluate("document.querySelector('#live-socket')['htmx-internal-data'].webSocket.socket.close(4000)")
    expect(page.locator("#live-banner")).to_be_visible()
    resync = lambda request: request.url == page.url and request.headers.get("hx-request") == "true"  # noqa: E731
    with page.expect_request(resync, timeout=15_000):  # back online: it re-fetches what it holds
        page.context.set_offline(False)
    expect(page.locator("#live-banner")).to_be_hidden()
    expect(page.locator("body.live")).to_be_attached()


def test_a_gap_in_the_sequence_numbers_makes_the_page_resync(login, lab, xp01, server, page):
    page = login("alice", PASSWORD)
    page.goto(f"{server}/labs/{lab.pk}/")
    expect(page.locator("body.live")).to_be_attached()
    page.evaluate("document.getElementById('live-seq').dataset.seq = '-5'")  # as if batches had been missed
    resync = lambda request: request.url == page.url and request.headers.get("hx-request") == "true"  # noqa: E731
    with page.expect_request(resync, timeout=15_000):
        from operations.services.power import vm_power

        vm_power(vm=xp01, action="power-on", user=lab.owner)  # the next batch starts after the page's number


def test_a_page_behind_the_heartbeat_resyncs_with_no_new_batch(login, lab, server, page):
    page = login("alice", PASSWORD)
    page.goto(f"{server}/labs/{lab.pk}/")
    expect(page.locator("body.live")).to_be_attached()
    resync = lambda request: request.url == page.url and request.headers.get("hx-request") == "true"  # noqa: E731
    with page.expect_request(resync, timeout=15_000):  # the next heartbeat (every second here) says more went out
        page.evaluate("document.getElementById('live-seq').dataset.seq = '-5'")


def test_a_socket_that_stops_receiving_is_replaced_by_the_page(login, lab, server, page):
    page = login("alice", PASSWORD)
    page.goto(f"{server}/labs/{lab.pk}/")
    expect(page.locator("body.live")).to_be_attached()
    # the socket stays open but nothing it brings reaches the page any more (a half-open connection)
    page.evaluate("""() => {
        window.deaf = true;
        window.addEventListener("htmx:wsBeforeMessage", (e) => {
            if (window.deaf) { e.preventDefault(); e.stopImmediatePropagation(); }
        }, true);
        window.addEventListener("htmx:wsOpen", () => { window.deaf = false; }, true);
    }""")
    resync = lambda request: request.url == page.url and request.headers.get("hx-request") == "true"  # noqa: E731
    with page.expect_websocket(timeout=30_000), page.expect_request(resync, timeout=30_000):
        pass  # three heartbeats of silence (and a margin): a new socket, and what was missed
    expect(page.locator("body.live")).to_be_attached()
    expect(page.locator("#live-banner")).to_be_hidden()
    assert page.evaluate("window.deaf") is False
