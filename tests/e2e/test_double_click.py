"""Fast and double clicks: a dialog or wizard sends one request at a time, with its buttons disabled
meanwhile, and a double click counts once. Each test counts the requests the page sent and what
happened in the lab."""

import re
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from inventory.models import Lab, VirtualDisk
from operations.models import Task
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def posts_to(page, path_part: str) -> list[dict]:
    """The form posts the page sends to URLs containing `path_part`, as they are sent."""
    posts: list[dict] = []
    page.on("request", lambda r: posts.append(parse_qs(r.post_data or ""))
            if r.method == "POST" and path_part in r.url else None)
    return posts


def test_double_clicks_in_the_migrate_wizard_take_one_step_each_and_start_one_migration(login, lab, web01, server):
    page = login("alice", PASSWORD)
    page.goto(f"{server}/labs/{lab.pk}/{web01.moid}/")
    posts = posts_to(page, "/migrate")
    page.locator(".commands").get_by_role("link", name="Migrate").click()
    dialog = page.locator("dialog[open]")
    step = dialog.locator(".wizard-page h3")
    expect(step).to_have_text("Select Migration Type")

    dialog.get_by_role("button", name="Next >").dblclick()
    expect(step).to_have_text("Select Destination")
    dialog.get_by_label("esx02.lab.local").check()
    expect(dialog.locator(".compatibility")).to_contain_text("Validation succeeded")
    dialog.get_by_role("button", name="Next >").dblclick()
    expect(step).to_have_text("VMotion Priority")
    dialog.get_by_role("button", name="Next >").dblclick()
    expect(step).to_have_text("Ready to Complete")
    dialog.get_by_role("button", name="Finish").dblclick()
    expect(page.locator("#recent-tasks")).to_contain_text("Migrate virtual machine")
    expect(page.locator("dialog[open]")).to_have_count(0)

    assert [p["step"] + p["go"] for p in posts] == [
        ["type", "next"], ["host", "check"], ["host", "next"], ["priority", "next"], ["ready", "finish"]]
    assert Task.objects.filter(lab=lab, kind="vm.vmotion").count() == 1


def test_a_double_click_on_ok_in_edit_settings_runs_it_once(login, lab, xp01, server):
    disks = VirtualDisk.objects.filter(vm=xp01).count()
    page = login("alice", PASSWORD)
    page.goto(f"{server}/labs/{lab.pk}/{xp01.moid}/")
    posts = posts_to(page, "/edit-settings")
    page.locator(".commands").get_by_role("link", name="Edit Settings").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Add a new disk (GB)").fill("1")
    dialog.get_by_role("button", name="OK").dblclick()
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.locator("#recent-tasks")).to_contain_text("Reconfigure virtual machine")
    assert len(posts) == 1
    assert VirtualDisk.objects.filter(vm=xp01).count() == disks + 1


def test_a_double_click_on_a_clock_button_moves_the_clock_once(login, lab, server):
    before = Lab.objects.get(pk=lab.pk).sim_seconds  # paused: only the buttons move it
    page = login("alice", PASSWORD)
    page.goto(f"{server}/labs/{lab.pk}/")
    posts = posts_to(page, "/clock")
    clock = page.locator("#sim-clock")
    shown = clock.locator(".clock-now").inner_text()
    clock.get_by_role("button", name="+10 min").dblclick()
    expect(clock.locator(".clock-now")).not_to_have_text(shown)
    expect(clock.get_by_role("button", name="+10 min")).to_be_enabled()
    assert len(posts) == 1
    assert Lab.objects.get(pk=lab.pk).sim_seconds == pytest.approx(before + 600)


def test_a_command_button_sends_one_request_while_it_waits(login, lab, xp01, server):
    page = login("alice", PASSWORD)
    page.goto(f"{server}/labs/{lab.pk}/{xp01.moid}/")
    posts = posts_to(page, "/power-on")
    page.locator(".commands").get_by_role("button", name="Power On").dblclick()
    expect(page.locator("#recent-tasks")).to_contain_text("Power On virtual machine")
    expect(page.locator(".messages")).to_have_count(0)  # no refusal of a second one either
    assert len(posts) == 1
    assert Task.objects.filter(lab=lab, name="Power On virtual machine").count() == 1
    assert re.search(rf"/{xp01.moid}/$", page.url)
