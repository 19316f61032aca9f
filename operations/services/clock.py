"""The lab's simulated clock: speed (0.1x to 100x), pause and resume, advance by N seconds.

Only the lab's owner and instructors change it; members watch it. Advancing moves the clock's
anchor forward: the runner then plays everything due in between, as fast as it can.
"""

from __future__ import annotations

import time

from django.db import transaction

from accounts.roles import is_instructor
from inventory.models import Lab
from inventory.rules import switch_problems
from inventory.services.common import refuse
from operations.faults import InvalidArgument, ServiceUnavailable, Unauthorized
from operations.models import Agent, Input, Task, TaskState
from operations.wakeup import wake

from .locking import lab_write
from .records import event_log

MAX_ADVANCE_S = 24 * 3600
CATCH_UP_TIMEOUT_S = 60.0


def _number(value, message: str) -> float:
    """A number from a form's text or a script's int or float (not a boolean)."""
    if isinstance(value, bool):
        raise InvalidArgument(message)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidArgument(message) from None


def _advance_by(seconds) -> float:
    seconds = _number(seconds, "Advance the clock by a number of seconds.")
    if not 0 < seconds <= MAX_ADVANCE_S:
        raise InvalidArgument(f"Advance the clock by more than 0 and at most {MAX_ADVANCE_S:,} seconds (24 hours).")
    return seconds


def _require_controller(lab: Lab, user) -> None:
    if not (is_instructor(user) or lab.owner_id == user.pk):
        raise Unauthorized(f"Only the owner of {lab.name} and instructors can change its clock.")


def _locked(lab: Lab) -> Lab:
    """The lab as committed now (lab_write holds its lock)."""
    return Lab.objects.get(pk=lab.pk)


def _save(lab: Lab) -> None:
    lab.save(update_fields=["sim_seconds", "clock_wall_at", "clock_speed", "clock_paused"])
    transaction.on_commit(wake)


@lab_write("lab")
def clock_set(*, lab: Lab, user, speed: float | None = None, paused: bool | None = None) -> Lab:
    _require_controller(lab, user)
    refuse(switch_problems(paused=paused))
    speed = None if speed is None else _number(speed, "The clock speed must be a number (0.1 to 100).")
    lab = _locked(lab)
    wall, clock = time.time(), lab.clock
    if speed is not None:
        try:
            clock = clock.with_speed(wall, speed)
        except ValueError as error:  # the engine's range, with its message
            raise InvalidArgument(str(error)) from None
    if paused is True and not clock.paused:
        clock = clock.paused_at(wall)
    elif paused is False and clock.paused:
        clock = clock.resumed_at(wall)
    if clock == lab.clock:
        return lab
    lab.set_clock(clock)
    _save(lab)
    state = "paused" if clock.paused else f"running at {clock.speed:g}x"
    event_log(lab=lab, type="ClockChangedEvent", message=f"Simulated clock {state}", target=lab, user=user)
    return lab


@lab_write("lab")
def clock_advance(*, lab: Lab, user, seconds: float) -> Lab:
    _require_controller(lab, user)
    seconds = _advance_by(seconds)
    lab = _locked(lab)
    lab.set_clock(lab.clock.advanced(time.time(), seconds))
    _save(lab)
    event_log(lab=lab, type="ClockChangedEvent", message=f"Simulated clock advanced by {seconds:g} s", target=lab,
              user=user)
    return lab


def simulating(lab: Lab) -> bool:
    """The lab has something for the runner to play: timed tasks, inputs to apply, agents' timers."""
    return (Task.objects.filter(lab=lab, state__in=(TaskState.QUEUED, TaskState.RUNNING)).exclude(kind="").exists()
            or Input.objects.filter(lab=lab, applied=False).exists()
            or Agent.objects.filter(lab=lab, due_sim__isnull=False).exists())


def clock_advance_and_wait(*, lab: Lab, user, seconds: float, timeout: float = CATCH_UP_TIMEOUT_S) -> Lab:
    """Advance, then return once the runner has played every event up to the new time (at once
    when the lab has nothing to simulate). Not in a transaction: it waits for another thread or
    process. With something to simulate and no runner holding the lab, it refuses before
    changing anything."""
    _require_controller(lab, user)
    _advance_by(seconds)  # refused at once, not after waiting for a runner
    if simulating(lab):
        wake()
        deadline = time.monotonic() + 3
        while not Lab.objects.filter(pk=lab.pk, lease_until__gte=time.time()).exists():
            if time.monotonic() > deadline:
                raise ServiceUnavailable("No simulation runner holds this lab: start it (SIM_RUNNER=embedded, or "
                                         "manage.py simworker); the clock was not changed.")
            time.sleep(0.02)  # waiting for the runner, another thread or process
    lab = clock_advance(lab=lab, user=user, seconds=seconds)
    target = lab.sim_seconds
    deadline = time.monotonic() + timeout
    while simulating(lab):
        if Lab.objects.filter(pk=lab.pk, sim_processed__gte=target).exists():
            break
        if time.monotonic() > deadline:
            raise ServiceUnavailable(f"The simulation did not reach the new time within {timeout:g} s: is the runner "
                                     f"running (SIM_RUNNER=embedded, or manage.py simworker)?")
        time.sleep(0.02)  # waiting for the runner, another thread or process
    return Lab.objects.get(pk=lab.pk)
