"""The article's VMotion in a real browser: right-click the running VM > Migrate, walk the
wizard, watch the task in Recent Tasks, see the VM under the other host and in its console."""

import re
import time

import pytest
from playwright.sync_api import expect

from inventory.models import Lab
from tests.conftest import PASSWORD, vm_named

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_migrate_a_running_vm_with_the_wizard_at_100x(login, lab, server):
    Lab.objects.filter(pk=lab.pk).update(clock_paused=False, clock_speed=100, clock_wall_at=time.time())
    page = login("alice", PASSWORD)
    page.get_by_role("link", name="Seed").click()

    page.locator(".tree .node", has_text="W2K8-Web01").click(button="right")
    page.get_by_role("menuitem", name="Migrate...").click()
    dialog = page.locator("dialog[open]")
    step = dialog.locator(".wizard-page h3")  # each click waits for the step it belongs to
    expect(step).to_have_text("Select Migration Type")
    expect(dialog.get_by_label(re.compile("Change host"))).to_be_checked()
    dialog.get_by_role("button", name="Next >").click()

    expect(step).to_have_text("Select Destination")
    dialog.get_by_label("esx02.lab.local").check()
    expect(dialog.locator(".compatibility")).to_contain_text("Validation succeeded")
    dialog.get_by_role("button", name="Next >").click()

    expect(step).to_have_text("VMotion Priority")
    expect(dialog.get_by_label(re.compile("Reserve CPU for optimal VMotion performance"))).to_be_checked()
    dialog.get_by_role("button", name="Next >").click()

    expect(step).to_have_text("Ready to Complete")
    expect(dialog.locator(".summary")).to_contain_text("esx02.lab.local")
    dialog.get_by_role("button", name="Finish").click()

    tasks = page.locator("#recent-tasks")
    expect(tasks).to_contain_text("Migrate virtual machine")
    expect(tasks.locator("tr", has_text="Migrate virtual machine")).to_contain_text("Completed", timeout=20_000)
    # the tree reloads by itself: the VM now sits under esx02
    esx02_item = page.locator(".tree li", has=page.locator(".node", has_text="esx02.lab.local")).first
    expect(esx02_item).to_contain_text("W2K8-Web01", timeout=10_000)
    assert vm_named(lab, "W2K8-Web01").host.name == "esx02.lab.local"

    console = page.context.new_page()
    console.goto(f"{server}/labs/{lab.pk}/{vm_named(lab, 'W2K8-Web01').moid}/console/")
    expect(console).to_have_title("W2K8-Web01 on esx02.lab.local")
    expect(console.locator(".session")).to_contain_text("connected for")  # the session survived the VMotion
    assert 0 < vm_named(lab, "W2K8-Web01").last_stun_ms < 1000
