"""Scenario scripts through the JSON API: started with 201, refused with 400 and every problem by
line, read back with each line's outcome and the lab's event log; another lab's scenario is 404."""

import pytest

from inventory.presets import lab_create
from operations.models import Scenario

SCRIPT = ("at 00:00 crash host esx01.lab.local\n"
          "at 00:01 expect vm W2K8-Web01 power off\n"
          "at 00:02 expect vm RHEL5-DB01 power on\n")


def test_a_scenario_starts_runs_and_reads_back(api, lab, sim):
    created = api.post(f"/labs/{lab.moid}/scenarios", {"text": SCRIPT, "name": "crash"})
    assert created.status_code == 201, created.content
    ref = created.json()
    assert ref["state"] == "RUNNING" and ref["scenario"].startswith("scenario-")
    sim.run(5)
    found = api.get(f"/labs/{lab.moid}/scenarios/{ref['scenario']}").json()
    assert found["state"] == "FAILED" and found["name"] == "crash" and found["user"] == "alice"
    assert [(line["line"], line["at"], line["kind"], line["outcome"]) for line in found["lines"]] == [
        (1, "00:00", "command", "done"), (2, "00:01", "expect", "met"), (3, "00:02", "expect", "failed")]
    assert found["lines"][2]["message"] == "expected RHEL5-DB01 powered on, found it powered off"
    assert found["log"][0] == "+00:00.0  ScenarioStartedEvent  Scenario 'crash' started: 3 lines, 2 expectations"
    assert found["log"][-1] == ("+00:02.0  ScenarioEndedEvent  Scenario 'crash' failed: 1 of 2 expectations did "
                                "not hold (line 3)")
    listed = api.get(f"/labs/{lab.moid}/scenarios").json()
    assert [(s["scenario"], s["state"]) for s in listed] == [(ref["scenario"], "FAILED")]


def test_a_bad_script_is_refused_with_every_problem_by_line(api, lab):
    refused = api.post(f"/labs/{lab.moid}/scenarios", {"text": "at 00:00 crahs host esx01.lab.local\n"
                                                               "at 00:10 reboot host esx1.lab.local\n"})
    assert refused.status_code == 400
    body = refused.json()
    assert body["error_type"] == "INVALID_ARGUMENT"
    messages = [m["default_message"] for m in body["messages"]]
    assert messages[0] == "line 1: unknown verb 'crahs': did you mean 'crash'?"
    assert messages[1] == "line 2: unknown host name 'esx1.lab.local': did you mean 'esx01.lab.local'?"
    assert not Scenario.objects.exists()


@pytest.mark.parametrize("body", [{}, {"text": "at 00:00 fail-management-switch", "extra": 1}, {"text": 5}])
def test_a_body_that_is_no_script_is_refused(api, lab, body):
    assert api.post(f"/labs/{lab.moid}/scenarios", body).status_code == 400


def test_another_lab_s_scenario_is_not_found(api, lab, owner):
    other = lab_create(owner=owner, preset="seed-article", name="Other")
    theirs = api.post(f"/labs/{other.moid}/scenarios", {"text": "at 00:00 fail-management-switch"}).json()
    missing = api.get(f"/labs/{lab.moid}/scenarios/{theirs['scenario']}")
    assert missing.status_code == 404 and missing.json()["error_type"] == "NOT_FOUND"
    assert api.get(f"/labs/{lab.moid}/scenarios").json() == []


def test_a_student_sees_only_the_scenarios_of_labs_they_may_see(api, lab, stranger):
    mine = api.post(f"/labs/{lab.moid}/scenarios", {"text": "at 00:00 fail-management-switch"}).json()
    intruder = api.as_(stranger)
    assert intruder.get(f"/labs/{lab.moid}/scenarios").status_code == 404
    assert intruder.get(f"/labs/{lab.moid}/scenarios/{mine['scenario']}").status_code == 404
    assert intruder.post(f"/labs/{lab.moid}/scenarios", {"text": "at 00:00 fail-management-switch"}).status_code == 404


def test_a_nul_character_is_refused_with_its_line(api, lab):
    refused = api.post(f"/labs/{lab.moid}/scenarios", {"text": "at 00:00 fail-management-switch\nat 00:01 crash host "
                                                               "esx01\u0000.lab.local\n"})
    assert refused.status_code == 400
    assert [m["default_message"] for m in refused.json()["messages"]] == [
        "line 2: a NUL character (\\0) is no text: remove it"]
