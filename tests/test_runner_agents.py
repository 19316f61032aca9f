"""Kill -9 a standalone simworker while vCenter's host monitor waits between two timers, start
another: the monitor acts at the same simulated instants as in a run nobody interrupted (its
state and timers are rows, re-armed from their stored instants)."""

import pytest

from inventory.models import Host, Lab
from inventory.presets import lab_create
from operations.models import Agent, Event
from operations.runner.runner import Runner
from operations.services.faults import host_fault_action
from tests.conftest import advance
from tests.test_runner_restart import eventually, kill, workers  # noqa: F401 - workers is a fixture

pytestmark = pytest.mark.django_db(transaction=True)

MONITORED = ("SimulatedFailureEvent", "SimulatedFailureRestoredEvent", "HostNotRespondingEvent", "HostConnectedEvent")


def history(lab) -> list[tuple[float, str, str]]:
    found = Event.objects.filter(lab=lab, type__in=MONITORED).order_by("seq")
    return [(e.sim_seconds, e.type, e.message) for e in found]


def esx01_of(lab) -> Host:
    return Host.objects.get(lab=lab, name="esx01.lab.local")


def processed(lab, until: float):
    return lambda: Lab.objects.filter(pk=lab.pk, sim_processed__gte=until).exists()


def test_the_host_monitor_keeps_its_instants_across_a_kill_of_the_worker(lab, owner, workers):  # noqa: F811
    worker = workers()
    host_fault_action(host=esx01_of(lab), action="disconnect-management-network", user=owner)  # at t = 0
    eventually(lambda: Agent.objects.filter(lab=lab, due_sim=60.0).exists(), "the monitor to arm its timer")
    advance(lab, 30)
    eventually(processed(lab, 30), "the worker to play up to +30 s")
    kill(worker)  # between the cable pull and the heartbeat timeout
    assert esx01_of(lab).connection_state == "connected"

    second = workers()
    advance(lab, 45)
    eventually(lambda: esx01_of(lab).connection_state == "notResponding", "the host to turn not responding")
    advance(lab, 25)  # t = 100; nothing is due meanwhile: no runner holds the lab
    host_fault_action(host=esx01_of(lab), action="reconnect-management-network", user=owner)
    eventually(lambda: esx01_of(lab).connection_state == "connected", "the host to be connected again")
    kill(second)
    interrupted = history(lab)
    assert [(t, kind) for t, kind, _ in interrupted] == [
        (0.0, "SimulatedFailureEvent"), (60.0, "HostNotRespondingEvent"), (100.0, "SimulatedFailureRestoredEvent"),
        (100.0, "HostConnectedEvent")]

    # the same lesson in a lab nobody interrupts, stepped in this process
    other = lab_create(owner=owner, preset="seed-article", name="Uninterrupted")
    Lab.objects.filter(pk=other.pk).update(clock_paused=True)
    runner = Runner()
    host_fault_action(host=esx01_of(other), action="disconnect-management-network", user=owner)
    for seconds in (30, 45, 25):
        advance(other, seconds)
        runner.step()
    host_fault_action(host=esx01_of(other), action="reconnect-management-network", user=owner)
    runner.step()
    assert history(other) == interrupted
