"""Kill -9 a standalone simworker between two steps of a Reboot (the host is down, ESXi boots),
start another: the reboot ends at the same simulated instants, with the same events, as in a run
nobody interrupted (the command's agent and the monitor are rows, re-armed from their instants)."""

import pytest

from inventory.models import Host, Lab
from inventory.presets import lab_create
from operations.engine.host_commands import SHUTDOWN_S
from operations.engine.monitor import BOOT_S
from operations.models import Agent, Event, Task
from operations.runner.runner import Runner
from operations.services.host_commands import host_command
from tests.conftest import advance
from tests.test_runner_agents import processed
from tests.test_runner_restart import eventually, kill, workers  # noqa: F401 - workers is a fixture

pytestmark = pytest.mark.django_db(transaction=True)

SHOWN = ("TaskEvent", "HostShutdownEvent", "VmPoweredOffEvent", "HostNotRespondingEvent", "GeneralHostInfoEvent",
         "GeneralHostWarningEvent", "HostConnectedEvent", "TaskFailedEvent")


def history(lab) -> list[tuple[float, str, str]]:
    found = Event.objects.filter(lab=lab, type__in=SHOWN).order_by("seq")
    return [(e.sim_seconds, e.type, e.message) for e in found]


def esx01_of(lab) -> Host:
    return Host.objects.get(lab=lab, name="esx01.lab.local")


def outcome(task) -> tuple:
    task = Task.objects.get(pk=task.pk)
    host = Host.objects.get(pk=task.params["host"])
    return task.state, task.completed_sim, task.error_message, host.power_state, host.connection_state


def test_a_reboot_ends_at_the_same_instants_across_a_kill_of_the_worker(lab, owner, workers):  # noqa: F811
    worker = workers()
    task = host_command(host=esx01_of(lab), command="reboot", user=owner, reason="Patch")  # at t = 0
    eventually(lambda: Agent.objects.filter(lab=lab, key__startswith="hc:", due_sim=SHUTDOWN_S).exists(),
               "the reboot to arm its timer")
    advance(lab, 45)
    eventually(processed(lab, 45), "the worker to play up to +45 s")
    kill(worker)  # the host is down and boots: between the shutdown and the end of the boot
    assert esx01_of(lab).power_state == "poweredOff" and Task.objects.get(pk=task.pk).state == "running"
    assert Agent.objects.get(lab=lab, key__startswith="hc:").state == "booting"

    second = workers()
    advance(lab, BOOT_S)  # t = 165
    eventually(lambda: Task.objects.get(pk=task.pk).state == "success", "the reboot to end")
    eventually(processed(lab, 45 + BOOT_S), "the worker to play up to +165 s")
    kill(second)
    interrupted = history(lab)
    assert outcome(task) == ("success", SHUTDOWN_S + BOOT_S, "", "poweredOn", "connected")
    assert [(t, kind) for t, kind, _ in interrupted] == [
        (0.0, "TaskEvent"), (0.0, "HostShutdownEvent"), (30.0, "GeneralHostWarningEvent"),
        (30.0, "VmPoweredOffEvent"), (30.0, "VmPoweredOffEvent"), (90.0, "HostNotRespondingEvent"),
        (150.0, "GeneralHostInfoEvent"), (150.0, "HostConnectedEvent"), (150.0, "GeneralHostInfoEvent")]

    # the same reboot in a lab nobody interrupts, stepped in this process
    other = lab_create(owner=owner, preset="seed-article", name="Uninterrupted")
    Lab.objects.filter(pk=other.pk).update(clock_paused=True)
    runner = Runner()
    again = host_command(host=esx01_of(other), command="reboot", user=owner, reason="Patch")
    runner.step()
    for seconds in (45, BOOT_S):
        advance(other, seconds)
        runner.step()
    assert outcome(again) == outcome(task)
    assert history(other) == interrupted
