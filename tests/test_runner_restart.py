"""Kill -9 a standalone simworker in the middle of a VMotion, start it again: the task resumes
from its stored plan (or fails cleanly with a reason) and the VM is on exactly one host."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inventory import services
from inventory.models import Host, VirtualMachine
from operations.models import Task
from operations.services.migrate import vm_migrate
from tests.conftest import advance, shared_database_url

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)


def start_worker() -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": shared_database_url(), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "manage.py", "simworker", "--tick", "0.05"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def eventually(predicate, what: str, timeout: float = 30.0):
    """Wait for another process (not for simulated time): poll until `predicate` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def kill(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)


@pytest.fixture
def workers():
    started = []

    def start():
        started.append(start_worker())
        return started[-1]

    yield start
    for worker in started:
        if worker.poll() is None:
            kill(worker)


def test_a_vmotion_resumes_after_the_worker_is_killed(lab, web01, esx01, esx02, owner, workers):
    worker = workers()
    task = vm_migrate(vm=web01, host=esx02, priority="high", user=owner)
    advance(lab, 10)
    running = eventually(lambda: Task.objects.filter(pk=task.pk, phase__startswith="Pre-copy round 1").first(),
                         "the pre-copy to start")
    kill(worker)
    assert VirtualMachine.objects.get(pk=web01.pk).host == esx01
    assert Task.objects.get(pk=task.pk).state == "running"

    workers()
    advance(lab, 40)
    done = eventually(lambda: Task.objects.filter(pk=task.pk, state__in=["success", "error"]).first(), "the task to end")
    assert done.state == "success", done.error_message
    assert done.started_sim == running.started_sim  # resumed from its plan, not started over
    assert 25 <= done.completed_sim - done.started_sim <= 35
    assert VirtualMachine.objects.get(pk=web01.pk).host == esx02


def test_a_vmotion_whose_destination_went_away_meanwhile_fails_with_the_reason(lab, web01, esx01, esx02, owner, workers):
    worker = workers()
    task = vm_migrate(vm=web01, host=esx02, priority="high", user=owner)
    advance(lab, 10)
    eventually(lambda: Task.objects.filter(pk=task.pk, state="running").exists(), "the task to run")
    kill(worker)
    services.host_enter_maintenance(host=Host.objects.get(pk=esx02.pk), user=owner)

    workers()
    advance(lab, 40)
    failed = eventually(lambda: Task.objects.filter(pk=task.pk, state__in=["success", "error"]).first(), "the task to end")
    assert failed.state == "error" and "esx02.lab.local is in maintenance mode" in failed.error_message
    assert VirtualMachine.objects.get(pk=web01.pk).host == esx01
