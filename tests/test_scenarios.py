"""Scenario scripts run against a lab (docs/scenarios.md): refused with every problem by line,
commands through the same services at their instants, expectations recorded, the golden event
logs of tests/scenarios, and the same log after a kill -9 of the runner in the middle.

Regenerate the golden logs after a deliberate change of the engine's behaviour or messages with
`SCENARIO_GOLDEN=update .venv/bin/python -m pytest tests/test_scenarios.py -k golden`, and read the
diff before committing it."""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from inventory.models import Lab
from operations.faults import InvalidArgument
from operations.models import Event, Input, Scenario, Task
from operations.services.scenarios import event_lines, outcome_lines, scenario_start
from tests.conftest import advance
from tests.test_runner_restart import eventually, kill, workers  # noqa: F401 - workers is a fixture

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
GOLDEN = sorted(SCENARIOS.glob("*.scenario"))


def runscenario(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("runscenario", *args, stdout=out, stderr=err)
        code = 0
    except CommandError as error:
        code = error.returncode
        err.write(str(error))
    return code, out.getvalue(), err.getvalue()


def refusal(lab, owner, text) -> list[str]:
    with pytest.raises(InvalidArgument) as refused:
        scenario_start(lab=lab, text=text, user=owner)
    return refused.value.messages


@pytest.mark.django_db
@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_logs(owner, path):
    code, out, err = runscenario(str(path), "--preset", "seed-article", "--user", owner.username)
    golden = path.with_suffix(".log")
    if os.environ.get("SCENARIO_GOLDEN") == "update":
        golden.write_text(out, encoding="utf-8")
    assert code == 0, out + err
    assert out == golden.read_text(encoding="utf-8"), f"{path.name}: the log differs from {golden.name} (see the module's doc)"


def test_every_regression_scenario_has_its_golden_log():
    assert {p.stem for p in GOLDEN} <= {p.stem for p in SCENARIOS.glob("*.log")}
    assert len(GOLDEN) >= 6


def test_a_bad_script_is_refused_with_every_problem_by_line_and_nothing_runs(lab, owner):
    inputs, events = Input.objects.count(), Event.objects.count()
    messages = refusal(lab, owner, "# a comment\n"
                                   "at 00:00 crahs host esx01.lab.local\n"
                                   "at 00:75 expect vm W2K8-Web01 power on\n"
                                   "at 00:10 expect vm W2K8-Web01 power onn\n")
    assert messages == [
        "line 2: unknown verb 'crahs': did you mean 'crash'?",
        "line 3: 'at 00:75': seconds must be 0-59",
        "line 4: expected 'on' or 'off' after 'expect vm W2K8-Web01 power', found 'onn': did you mean 'on'?",
    ]
    assert (Input.objects.count(), Event.objects.count(), Scenario.objects.count()) == (inputs, events, 0)


def test_unknown_names_name_the_line_and_suggest_the_lab_s_names(lab, owner):
    messages = refusal(lab, owner, "at 00:00 crash host esx1.lab.local\n"
                                   "at 00:05 migrate vm W2K8-Web1 to host esx02.lab.local\n"
                                   "at 00:06 migrate vm XP-Client01 to datastore nosuch\n")
    assert messages == [
        "line 1: unknown host name 'esx1.lab.local': did you mean 'esx01.lab.local'?",
        "line 2: unknown virtual machine name 'W2K8-Web1': did you mean 'W2K8-Web01'?",
        "line 3: unknown datastore name 'nosuch'",
    ]


def test_host_commands_run_as_their_tasks(lab, owner, sim):
    """Reboot and Standby through the same service as the host's menu: tasks of the scenario's
    initiator, at the line's instant, the host back and connected after its boot."""
    scenario = scenario_start(lab=lab, user=owner, name="host commands", text=(
        "at 00:10 enter-standby host esx02.lab.local\n"
        "at 00:50 expect event EnteredStandbyModeEvent about host esx02.lab.local\n"
        "at 01:00 reboot host esx01.lab.local\n"
        "at 01:31 expect vm W2K8-Web01 power off\n"
        "at 04:00 expect host esx01.lab.local connection connected power on\n"))
    sim.run(250, step=5)
    scenario.refresh_from_db()
    assert scenario.state == "passed", scenario.outcomes
    tasks = Task.objects.filter(lab=lab, initiator=owner).order_by("pk")
    assert [(t.name, t.state, t.queued_sim) for t in tasks] == [
        ("Enter standby mode", "success", 10.0), ("Reboot host", "success", 60.0)]


def test_a_command_refused_mid_scenario_is_recorded_and_the_scenario_goes_on(lab, owner, sim):
    scenario = scenario_start(lab=lab, user=owner, name="refused", text=(
        "at 00:00 power-on vm W2K8-Web01\n"  # it runs already: vCenter refuses
        "at 00:05 enter-maintenance-mode host esx01.lab.local\n"  # VMs run on it: refused too
        "at 00:10 power-on vm XP-Client01\n"
        "at 00:20 expect vm XP-Client01 power on\n"))
    sim.run(30, step=5)
    scenario.refresh_from_db()
    assert scenario.state == "passed"
    assert scenario.outcomes["1"] == {"outcome": "refused", "message": "W2K8-Web01 is already powered on.", "at": 0.0}
    assert scenario.outcomes["2"]["outcome"] == "refused"
    assert "runs 2 powered-on virtual machine(s)" in scenario.outcomes["2"]["message"]
    assert scenario.outcomes["3"]["outcome"] == "done" and scenario.outcomes["4"]["outcome"] == "met"
    log = event_lines(scenario)
    assert ("+00:00.0  ScenarioCommandRefusedEvent  Scenario 'refused', line 1 (power-on vm W2K8-Web01) was refused: "
            "W2K8-Web01 is already powered on.") in log
    assert log[-1] == ("+00:20.0  ScenarioEndedEvent  Scenario 'refused' passed: 1 of 1 expectations held; "
                       "2 commands refused (lines 1, 2)")
    # the accepted command went through the service: a task of the owner's, at its instant
    task = Task.objects.get(lab=lab, name="Power On virtual machine", object_name="XP-Client01")
    assert (task.initiator, task.queued_sim, task.state) == (owner, 10.0, "success")


def test_a_failing_expectation_says_what_was_seen_and_fails_the_scenario(lab, owner, sim):
    scenario = scenario_start(lab=lab, user=owner, text=(
        "at 00:00 expect vm W2K8-Web01 host esx02.lab.local power off\n"
        "at 00:01 expect task \"Migrate virtual machine\" of vm W2K8-Web01 state success\n"
        "at 00:02 expect host esx01.lab.local connection not-responding\n"
        "at 00:03 expect event VmMigratedEvent\n"
        "at 00:04 expect vm W2K8-Web01 host esx01.lab.local guest running\n"))
    sim.run(10)
    scenario.refresh_from_db()
    assert scenario.state == "failed"
    seen = {n: o["message"] for n, o in scenario.outcomes.items()}
    assert seen == {
        "1": "expected W2K8-Web01 on esx02.lab.local, found it on esx01.lab.local; "
             "expected W2K8-Web01 powered off, found it powered on",
        "2": 'found no task "Migrate virtual machine" on W2K8-Web01 since the scenario started',
        "3": "expected esx01.lab.local not-responding, found it connected",
        "4": "no VmMigratedEvent was logged since the scenario started",
        "5": "",
    }
    failed = Event.objects.filter(lab=lab, type="ScenarioExpectationFailedEvent").order_by("seq").first()
    assert failed.severity == "error" and failed.message.startswith(
        f"Scenario {scenario.moid}, line 1 (expect vm W2K8-Web01 host esx02.lab.local power off) does not hold: "
        "expected W2K8-Web01 on esx02.lab.local, found it on esx01.lab.local")


@pytest.mark.django_db
def test_runscenario_exit_status(owner, tmp_path):
    bad = tmp_path / "bad.scenario"
    bad.write_text("at 00:00 crash host esx01.lab.local\nat 00:10 expect vm W2K8-Web01 powr on\n")
    code, out, err = runscenario(str(bad), "--preset", "seed-article", "--user", owner.username)
    assert code == 2 and out == ""
    assert "line 2: expected 'host', 'power' or 'guest' after 'expect vm W2K8-Web01', found 'powr'" in err
    failing = tmp_path / "failing.scenario"
    failing.write_text("at 00:00 crash host esx01.lab.local\nat 00:10 expect vm W2K8-Web01 power on\n")
    code, out, err = runscenario(str(failing), "--preset", "seed-article", "--user", owner.username)
    assert code == 1
    assert ("+00:10.0  ScenarioExpectationFailedEvent  Scenario 'failing', line 2 (expect vm W2K8-Web01 power on) "
            "does not hold: expected W2K8-Web01 powered on, found it powered off") in out


@pytest.mark.django_db
def test_runscenario_on_an_existing_lab_with_a_running_clock(lab, owner, tmp_path):
    Lab.objects.filter(pk=lab.pk).update(clock_paused=False, sim_seconds=500.0)
    script = tmp_path / "cable.scenario"
    script.write_text("at 00:00 disconnect-management-network host esx02.lab.local\n"
                      "at 01:01 expect host esx02.lab.local connection not-responding\n")
    code, out, err = runscenario(str(script), "--lab", str(lab.pk))
    assert code == 0, out + err
    assert "+01:00.0  HostNotRespondingEvent  Host esx02.lab.local in Datacenter is not responding" in out
    assert Lab.objects.get(pk=lab.pk).clock_paused


@pytest.mark.django_db(transaction=True)
def test_a_kill_of_the_runner_in_the_middle_of_a_scenario_gives_the_same_log(lab, owner, workers):  # noqa: F811
    path = SCENARIOS / "vmotion-source-crash.scenario"
    scenario = scenario_start(lab=lab, user=owner, name=path.stem, text=path.read_text())
    worker = workers()
    advance(lab, 40)  # past the crash, before the heartbeat timeout and the script's next line (01:09)
    eventually(lambda: Lab.objects.filter(pk=lab.pk, sim_processed__gte=40).exists(), "the worker to play 40 s")
    kill(worker)
    scenario.refresh_from_db()
    assert scenario.state == "running" and scenario.outcomes["14"]["outcome"] == "pending"

    second = workers()
    advance(lab, 211 - 40)  # to the script's last instant, 03:31
    eventually(lambda: Scenario.objects.filter(pk=scenario.pk).exclude(state="running").exists(), "the scenario's end")
    kill(second)
    scenario.refresh_from_db()
    golden = path.with_suffix(".log").read_text(encoding="utf-8")
    assert "\n".join(event_lines(scenario) + [""] + outcome_lines(scenario)) + "\n" == golden


def test_logs_quote_a_line_without_its_comment(lab, owner, sim):
    scenario = scenario_start(lab=lab, user=owner, name="quoted", text=(
        'at 00:00   expect   vm "W2K8-Web01" power off   # it runs: this fails\n'))
    sim.run(1)
    assert event_lines(scenario)[1] == (
        "+00:00.0  ScenarioExpectationFailedEvent  Scenario 'quoted', line 1 (expect vm \"W2K8-Web01\" power off) "
        "does not hold: expected W2K8-Web01 powered off, found it powered on")
