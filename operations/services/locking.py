"""The lab's write lock, the order of the locks after it, and retries (docs/architecture.md, "Lock
order and retries").

Every transaction that writes to a lab (each inventory and operations service, the runner's begin,
commit, failure and progress writes) first locks its Lab row, then whatever rows it needs in this
order: Task, VirtualMachine, Host, Cluster, Datastore, each by ascending pk. The Lab row is the
lab's write lock: two writers of one lab take turns, so every check of a finite resource (datastore
space, host reservations, VMs per host, hosts per cluster, quotas) is made on what the other writer
committed; a lock taken in another order cannot close a cycle. The few transactions that lock
several labs (the runner's claim and progress writes) lock them by ascending pk.

`in_lab_transaction` runs a unit of work this way. The outermost one retries a deadlock
(PostgreSQL 40P01), a serialization failure (40001) or SQLite's "database is locked" a few times
with a short jittered back-off, then refuses with ResourceBusy; a call inside another transaction
only takes its lock (a savepoint), and the outer unit of work retries. Database text never
reaches a user: a unique-name clash is vSphere's "already exists", anything else a general error
(logged with its traceback).
"""

from __future__ import annotations

import logging
import random
import time
from contextlib import contextmanager
from functools import wraps
from typing import Callable, Iterable, TypeVar

from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, connection, transaction

from inventory.models import Lab
from operations.faults import AlreadyExists, GeneralError, InvalidState, ResourceBusy

log = logging.getLogger(__name__)

T = TypeVar("T")

ATTEMPTS = 4  # one try and three retries
BACKOFF_S = (0.02, 0.08)  # jittered, times the attempt number
BUSY = "The lab is busy; try again."
GENERAL = "A general system error occurred: the change could not be saved, and nothing was changed. Try again."
NAME_CONSTRAINTS = ("_name_unique_per_lab", "lab_name_unique_per_owner")


class LabBusy(ResourceBusy):
    """The lab's transaction kept meeting deadlocks or a locked database: nothing was changed."""


def lab_id_of(obj) -> int:
    """The lab of a Lab, of anything in a lab (lab_id), or of a snapshot (its VM's)."""
    if isinstance(obj, Lab):
        return obj.pk
    lab_id = getattr(obj, "lab_id", None)
    if lab_id is None and hasattr(obj, "vm_id"):
        lab_id = obj.vm.lab_id
    if lab_id is None:
        raise TypeError(f"{obj!r} belongs to no lab")
    return lab_id


def lock_labs(lab_ids: Iterable[int]) -> None:
    """Take the write lock of each lab, by ascending pk. FOR NO KEY UPDATE: it excludes the other
    writers of the lab, not the inserts that merely reference it."""
    ids = sorted(set(lab_ids))
    if ids:
        list(Lab.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk"))


def lock_user(user) -> None:
    """The write lock of a user's own labs (creating one: its name and the labs quota)."""
    list(get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk"))


def retryable(error: BaseException) -> bool:
    """A deadlock, a serialization failure or a locked SQLite database: trying again may work."""
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) in ("40P01", "40001"):
        return True
    return "database is locked" in str(error) or "database table is locked" in str(error)


def locked_transaction(lock: Callable[[], None], work: Callable[[], T], *, what: str = "lab") -> T:
    """Run work() in a transaction that first calls lock(). The outermost call retries what
    `retryable` says, then raises ResourceBusy; a nested call runs in a savepoint of the
    outer transaction, which retries."""
    if connection.in_atomic_block:
        with transaction.atomic():
            lock()
            return work()
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic():
                lock()
                return work()
        except DatabaseError as error:
            if retryable(error):
                if attempt < ATTEMPTS:
                    log.info("%s transaction, attempt %d: %s; retrying", what, attempt, error)
                    time.sleep(random.uniform(*BACKOFF_S) * attempt)  # wall-clock back-off between two tries
                    continue
                log.warning("%s transaction gave up after %d attempts: %s", what, attempt, error)
                raise LabBusy(BUSY) from error
            log.exception("%s transaction failed", what)
            raise GeneralError(GENERAL) from error
    raise AssertionError("unreachable")


def in_lab_transaction(lab_ids: Iterable[int] | int, work: Callable[[], T]) -> T:
    """Run work() in a transaction holding the write lock of the lab(s) (see module doc)."""
    ids = [lab_ids] if isinstance(lab_ids, int) else list(lab_ids)
    return locked_transaction(lambda: lock_labs(ids), work)


def lab_write(arg: str):
    """Decorator of a service: it runs in its lab's locked transaction; `arg` names the keyword
    argument that says which lab (a Lab, or an object in it)."""
    def decorate(service):
        @wraps(service)
        def run(*args, **kwargs):
            return in_lab_transaction(lab_id_of(kwargs[arg]), lambda: service(*args, **kwargs))
        return run
    return decorate


def reread(obj, *related: str):
    """The row as committed now, for a service that holds the lock: the caller read `obj` before."""
    found = type(obj).objects.select_related(*related).filter(pk=obj.pk).first()
    if found is None:
        raise InvalidState(f"{obj} is no longer in the inventory.")
    return found


def is_name_clash(error: IntegrityError) -> bool:
    text = str(error)
    return any(name in text for name in NAME_CONSTRAINTS)


@contextmanager
def claiming_name(message: str):
    """Around the insert or update that takes a name: if the database's unique-name constraint
    refuses it (a writer that did not hold the lock took it first), raise vSphere's "already
    exists" with `message`, the text the service's own check gives."""
    try:
        yield
    except IntegrityError as error:
        if is_name_clash(error):
            raise AlreadyExists(message) from None
        raise
