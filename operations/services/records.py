"""Recording tasks and events. Every inventory change goes through here, so each one shows in
Recent Tasks and in the lab's numbered event stream.

Their simulated instant is the lab clock's reading, except while the runner applies something at
an instant of its own (an input, an agent's step, a task's begin or commit): then a service it
calls (a scenario's migrate, an agent's System task) stamps what it records with that instant
(`sim_now`, set by `simulated_instant`), not with the clock's reading a few moments later."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inventory.models import Lab
from operations.models import Event, EventSeverity, Task, TaskState
from operations.wakeup import wake

_INSTANT: ContextVar[tuple[int, float] | None] = ContextVar("sim_instant", default=None)


@contextmanager
def simulated_instant(lab_id: int, now: float):
    """What is recorded for lab `lab_id` inside this block happens at simulated `now`."""
    token = _INSTANT.set((lab_id, now))
    try:
        yield
    finally:
        _INSTANT.reset(token)


def sim_now(lab: Lab) -> float:
    """The simulated instant of what is being recorded for `lab` now."""
    instant = _INSTANT.get()
    if instant is not None and instant[0] == lab.pk:
        return instant[1]
    return lab.now()


def object_context(obj) -> dict[str, str]:
    """The managed object ids of `obj` and of the host, cluster and datacenter around it."""
    kind = obj.MOID_PREFIX
    host = obj if kind == "host-" else (obj.host if kind == "vm-" else None)
    holder = host or obj
    ref = {"object_moid": obj.moid, "object_name": str(obj)}
    if host is not None:
        ref["host_moid"] = host.moid
    cluster_id = obj.pk if kind == "domain-c" else getattr(holder, "cluster_id", None)
    if cluster_id:
        ref["cluster_moid"] = f"domain-c{cluster_id}"
    datacenter_id = obj.pk if kind == "datacenter-" else getattr(holder, "datacenter_id", None)
    if datacenter_id:
        ref["datacenter_moid"] = f"datacenter-{datacenter_id}"
    return ref


def _initiator(user) -> dict:
    if user is None:
        return {"initiator": None, "initiator_name": "System"}
    return {"initiator": user, "initiator_name": user.get_username()}


def task_completed(*, lab: Lab, name: str, target, user) -> Task:
    """An operation that vCenter finishes at once: the Task row is born complete."""
    now, sim = timezone.now(), sim_now(lab)
    return Task.objects.create(
        lab=lab, name=name, **_initiator(user), **object_context(target),
        state=TaskState.SUCCESS, progress=100,
        queued_sim=sim, started_sim=sim, completed_sim=sim, started_at=now, completed_at=now,
    )


def task_queued(*, lab: Lab, name: str, kind: str, target, user, params: dict, cancelable: bool = True) -> Task:
    """A timed operation: queued now, run by the engine. The runner is woken once this commits."""
    task = Task.objects.create(
        lab=lab, name=name, kind=kind, params=params, cancelable=cancelable, **_initiator(user),
        **object_context(target), state=TaskState.QUEUED, queued_sim=sim_now(lab),
    )
    transaction.on_commit(wake)
    return task


def _next_seq(lab_id: int) -> int:
    """The lab's next event number. The counter row is updated inside the caller's transaction,
    so concurrent writers get distinct, gap-free numbers."""
    assert transaction.get_connection().in_atomic_block, "events are written inside the change's transaction"
    Lab.objects.filter(pk=lab_id).update(event_seq=F("event_seq") + 1)
    return Lab.objects.filter(pk=lab_id).values_list("event_seq", flat=True).get()


def event_log(
    *, lab: Lab, type: str, message: str, target=None, user=None,
    severity: str = EventSeverity.INFO, task: Task | None = None, at: float | None = None,
) -> Event:
    """Append an event with the lab's next sequence number."""
    return Event.objects.create(
        lab=lab, seq=_next_seq(lab.pk), type=type, message=message, severity=severity, task=task,
        user_name=user.get_username() if user is not None else "",
        sim_seconds=sim_now(lab) if at is None else at, **(object_context(target) if target is not None else {}),
    )


def task_failed_event(*, task: Task, message: str, at: float, type: str = "TaskFailedEvent") -> Event:
    """The error event of a timed task, about the object the task was about."""
    context = {f: getattr(task, f) for f in ("object_moid", "object_name", "host_moid", "cluster_moid", "datacenter_moid")}
    return Event.objects.create(
        lab_id=task.lab_id, seq=_next_seq(task.lab_id), type=type, message=message, severity=EventSeverity.ERROR,
        task=task, user_name=task.initiator_name if task.initiator_id else "", sim_seconds=at, **context,
    )


def record(*, lab: Lab, task_name: str, target, user, event_type: str, message: str) -> Task:
    """The usual pair for an instant operation: a completed task and the event it caused."""
    task = task_completed(lab=lab, name=task_name, target=target, user=user)
    event_log(lab=lab, type=event_type, message=message, target=target, user=user, task=task)
    return task
