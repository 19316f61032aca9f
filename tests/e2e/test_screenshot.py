"""Regenerates the README's screenshot (`make screenshot`): the article's VMotion half-way, with
its progress in Recent Tasks. In the suite it checks that the lab page renders its tree, Summary
and Recent Tasks on screen, and that a running task shows its phase."""

import pytest
from playwright.sync_api import expect

from operations.services.migrate import vm_migrate
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lab_page_screenshot(login, lab, owner, web01, esx02, sim, server, request, tmp_path):
    vm_migrate(vm=web01, host=esx02, priority="high", user=owner)
    sim.run(16)  # the lab's clock is paused: the migration stays at its 16th second
    page = login("alice", PASSWORD)
    page.goto(f"{server}/labs/{lab.pk}/{web01.moid}/")
    expect(page.locator(".objhead h1")).to_have_text("W2K8-Web01")
    expect(page.locator("#recent-tasks")).to_contain_text("Pre-copy round 1")
    for region in (".tree", ".tabbody", "#recent-tasks"):
        box = page.locator(region).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, region
    out = request.config.getoption("--screenshot-out") or str(tmp_path / "lab.png")
    page.screenshot(path=out)
