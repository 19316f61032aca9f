"""Races on the real database: threads, each with its own database connection (transactional_db:
nothing wraps them in a test transaction), released together by a barrier, speaking to the API
and the pages as separate clients.

They run on the session's database: SQLite for `make test` (where its write lock serializes the
writers), PostgreSQL under `make test-postgres`. `make test` also runs this directory on PostgreSQL
in a child pytest (test_on_postgresql.py), so the row locks are raced in every run. A test marked
`postgresql` needs PostgreSQL itself (a real deadlock) and is skipped on SQLite for that reason."""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass

import pytest
from django.db import connection, connections
from django.test import Client

from inventory.models import Datastore, Lab, VirtualMachine
from inventory.selectors import with_space
from operations.models import Event
from tests.conftest import PASSWORD


def pytest_configure(config):
    config.addinivalue_line("markers", "postgresql: needs PostgreSQL itself (skipped on SQLite, with the reason)")


@pytest.fixture(autouse=True)
def _database_for(request):
    if request.node.get_closest_marker("postgresql") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks; tests/races/test_on_postgresql.py runs it there")


@dataclass
class Answer:
    status: int
    body: dict | str

    @property
    def error_type(self) -> str | None:
        return self.body.get("error_type") if isinstance(self.body, dict) else None

    @property
    def messages(self) -> list[str]:
        if isinstance(self.body, dict):
            return [m["default_message"] for m in self.body.get("messages", [])]
        return []


class ApiClient:
    """One caller of the API with its own session token (and, in its thread, its own connection)."""

    def __init__(self, user):
        self.client = Client(raise_request_exception=False)
        credentials = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
        response = self.client.post("/api/session", HTTP_AUTHORIZATION=f"Basic {credentials}")
        assert response.status_code == 201, response.content
        self.headers = {"HTTP_VMWARE_API_SESSION_ID": response.json()}

    @staticmethod
    def _answer(response) -> Answer:
        if response.get("Content-Type", "").startswith("application/json"):
            return Answer(response.status_code, response.json())
        return Answer(response.status_code, response.content.decode(errors="replace"))

    def post(self, path: str, body: dict | None = None, **query) -> Answer:
        q = "&".join(f"{k}={v}" for k, v in query.items())
        return self._answer(self.client.post(f"/api{path}" + (f"?{q}" if q else ""), body or {},
                                             content_type="application/json", **self.headers))

    def patch(self, path: str, body: dict) -> Answer:
        return self._answer(self.client.patch(f"/api{path}", body, content_type="application/json", **self.headers))


class PageClient:
    """One browser: a logged-in session posting the dialogs as htmx does."""

    def __init__(self, user):
        self.client = Client(raise_request_exception=False)
        self.client.force_login(user)

    def post(self, path: str, data: dict):
        return self.client.post(path, data, HTTP_HX_REQUEST="true")


def together(n: int, work, timeout: float = 120.0) -> list:
    """Run work(i) for i in 0..n-1 on n threads released at once; each thread closes its own
    database connection when done. Returns the results in order; re-raises a thread's error."""
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[i] = work(i)
        except BaseException as error:  # noqa: BLE001 - handed to the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,), name=f"race-{i}") for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)  # waiting, with a deadline, for the other threads
    assert not any(t.is_alive() for t in threads), "a racing thread did not finish in time"
    if errors:
        raise errors[0]
    return results


def assert_invariants(lab: Lab) -> None:
    """What no race may break: every VM on one existing host and datastore of its lab, no
    datastore below zero, events numbered 1..N without a gap, the lab's counter at N."""
    vms = VirtualMachine.objects.filter(lab=lab).select_related("host", "datastore")
    for vm in vms:
        assert vm.host.lab_id == lab.pk and vm.datastore.lab_id == lab.pk, vm.name
    for ds in with_space(Datastore.objects.filter(lab=lab)):
        assert ds.free_mb >= 0, f"{ds.name} is over-committed: {ds.free_mb} MB free"
    seqs = list(Event.objects.filter(lab=lab).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)), "event numbers have gaps or repeats"
    assert Lab.objects.get(pk=lab.pk).event_seq == len(seqs)


def statuses(answers) -> dict[int, int]:
    counts: dict[int, int] = {}
    for answer in answers:
        status = answer.status if isinstance(answer, Answer) else answer.status_code
        counts[status] = counts.get(status, 0) + 1
    return counts
