"""Regenerates the README's screenshot (`make screenshot`); in the suite it checks the lab page
renders with its tree, Summary and Recent Tasks on screen."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lab_page_screenshot(login, lab, esx01, live_server, request, tmp_path):
    page = login("alice", PASSWORD)
    page.goto(f"{live_server.url}/labs/{lab.pk}/{esx01.moid}/")
    expect(page.locator(".objhead h1")).to_have_text("esx01.lab.local")
    for region in (".tree", ".tabbody", "#recent-tasks"):
        box = page.locator(region).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, region
    out = request.config.getoption("--screenshot-out") or str(tmp_path / "lab.png")
    page.screenshot(path=out)
