"""The deadlock-prone mix of the issue: host fault injection, VM edits, power operations and
migrations from several clients while the runner begins and commits tasks in its own thread.
Zero server errors, and the lab is whole afterwards."""

import logging
import random
import threading

import pytest
from django.db import connections

from inventory.models import Host, Lab, VirtualMachine
from inventory.presets import lab_create
from operations.models import Task
from operations.runner.runner import Runner
from tests.conftest import advance

from .conftest import ApiClient, assert_invariants, statuses, together

pytestmark = pytest.mark.django_db(transaction=True)

HOST_FAULTS = ["disconnect-storage", "reconnect-storage", "power-off", "power-on", "disconnect-management-network",
               "reconnect-management-network", "crash", "power-on"]
REFUSALS = {"INVALID_ARGUMENT", "NOT_ALLOWED_IN_CURRENT_STATE", "RESOURCE_BUSY", "ALREADY_EXISTS", "RESOURCE_IN_USE"}


def _runner_loop(lab: Lab, runner: Runner, stop: threading.Event, errors: list) -> None:
    try:
        while not stop.is_set():
            advance(lab, 2.0)  # the paused clock moves 2 simulated seconds a step
            runner.step()
    except BaseException as error:  # noqa: BLE001 - reported by the test
        errors.append(error)
    finally:
        connections.close_all()


def test_fault_injection_edits_and_runner_commits_at_once(owner, caplog):
    caplog.set_level(logging.WARNING)
    lab = lab_create(owner=owner, preset="classroom", name="Mix")
    Lab.objects.filter(pk=lab.pk).update(clock_paused=True)
    lab.refresh_from_db()
    hosts = list(Host.objects.filter(lab=lab).order_by("name"))
    vms = list(VirtualMachine.objects.filter(lab=lab).order_by("name"))
    base = f"/labs/{lab.moid}/vcenter"
    clients = [ApiClient(owner) for _ in range(3)]

    def inject(client, rng, n):
        return client.post(f"{base}/host/{hosts[-1].moid}/fault", action=HOST_FAULTS[n % len(HOST_FAULTS)])

    # two VMs only edited (never operated on, on hosts that get no fault), so edits succeed however
    # slow the runner is; the others are edited while the mix operates on them
    quiet = [vm for vm in vms if vm.host_id != hosts[-1].pk][-2:]
    busy = [vm for vm in vms if vm not in quiet]

    def edit(client, rng, n):
        vm = rng.choice(quiet if n % 2 else vms)
        if rng.random() < 0.2:
            return client.post(f"{base}/vm/{vm.moid}/fault", action=rng.choice(["guest-hang", "guest-recover"]))
        body = rng.choice([{"cpu_reservation_MHz": rng.choice([0, 100, 500])},
                           {"memory_reservation_MiB": rng.choice([0, 256])},
                           {"workload": rng.choice(["idle", "web", "database"])}])
        return client.patch(f"{base}/vm/{vm.moid}", body)

    def operate(client, rng, n):
        vm = rng.choice(busy)
        if rng.random() < 0.5:
            return client.post(f"{base}/vm/{vm.moid}/power", action=rng.choice(["start", "stop", "start"]))
        return client.post(f"{base}/vm/{vm.moid}", {"host": rng.choice(hosts).moid,
                                                   "priority": rng.choice(["high", "low"])}, action="migrate")

    roles = [inject, edit, operate]
    runner, stop, runner_errors = Runner(), threading.Event(), []
    thread = threading.Thread(target=_runner_loop, args=(lab, runner, stop, runner_errors), name="runner")
    thread.start()
    try:
        rngs = [random.Random(i) for i in range(3)]  # the same mix every run
        answers = together(3, lambda i: [roles[i](clients[i], rngs[i], n) for n in range(40)])
    finally:
        stop.set()
        thread.join(60)  # waiting, with a deadline, for the runner's thread
    assert not thread.is_alive()
    assert not runner_errors, runner_errors

    flat = [a for per_client in answers for a in per_client]
    counts = statuses(flat)
    print(f"mix: {len(flat)} requests, statuses {counts}")
    assert all(status in (200, 201, 202, 400) for status in counts), [(a.status, a.body) for a in flat if a.status >= 500]
    for refused in (a for a in flat if a.status == 400):
        assert refused.error_type in REFUSALS, refused.body
        assert not any(word in m.lower() for m in refused.messages for word in ("deadlock", "database", "integrity"))
    assert counts.get(202, 0) > 0 and counts.get(200, 0) > 0  # the mix did start operations and make edits

    # no task left running forever: the runner finishes or fails every one
    for _ in range(200):
        if not Task.objects.filter(lab=lab, state__in=("queued", "running")).exists():
            break
        advance(lab, 30)
        runner.step()
    assert not Task.objects.filter(lab=lab, state__in=("queued", "running")).exists()
    failed = list(Task.objects.filter(lab=lab, state="error").values_list("error_message", flat=True))
    assert not [m for m in failed if "general system error" in m.lower()], failed
    assert_invariants(lab)
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR or "busy" in r.getMessage()]
    assert not problems, [r.getMessage() for r in problems]
