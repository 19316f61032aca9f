"""A real PostgreSQL deadlock is retried by the outermost lab transaction: its caller never sees it."""

import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction

from inventory.models import Host
from operations.services.locking import in_lab_transaction

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]


def test_a_deadlock_is_retried_and_the_caller_gets_its_result(lab, esx01, esx02):
    """A (the helper, holding the lab's lock) updates esx01 then esx02; B, a writer that skips the
    lab's lock, updates esx02 then esx01. PostgreSQL aborts A, which waits first; A tries again."""
    a_holds_esx01, b_holds_esx02, attempts, outcome = threading.Event(), threading.Event(), [], {}

    def work():
        attempts.append(1)
        Host.objects.filter(pk=esx01.pk).update(vendor="A")
        if len(attempts) == 1:
            a_holds_esx01.set()
            assert b_holds_esx02.wait(30)
        Host.objects.filter(pk=esx02.pk).update(vendor="A")  # the first time: waits for B, then deadlocks
        return "done"

    def a():
        try:
            outcome["a"] = in_lab_transaction(lab.pk, work)
        except Exception as error:  # noqa: BLE001 - the test says what it was
            outcome["a"] = error
        finally:
            connections.close_all()

    def b():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL deadlock_timeout = '20s'")  # so A is the one PostgreSQL aborts
                assert a_holds_esx01.wait(30)
                Host.objects.filter(pk=esx02.pk).update(vendor="B")
                b_holds_esx02.set()
                deadline = time.monotonic() + 30
                while not _someone_waits_for_a_lock():  # A now waits for esx02 (another thread)
                    assert time.monotonic() < deadline
                    time.sleep(0.01)
                Host.objects.filter(pk=esx01.pk).update(vendor="B")
            outcome["b"] = "done"
        except (OperationalError, AssertionError) as error:
            outcome["b"] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)  # waiting, with a deadline, for the two threads

    assert outcome == {"a": "done", "b": "done"}, outcome
    assert len(attempts) == 2  # the first attempt was the deadlock's victim, the second committed
    assert Host.objects.get(pk=esx01.pk).vendor == Host.objects.get(pk=esx02.pk).vendor == "A"


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0
