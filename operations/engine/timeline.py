"""An operation as a plan of timed steps, and the process that plays it.

Plans are computed once, when the operation starts, from inputs the runner stores in the Task
row. Replaying a plan from its start time therefore puts a restarted runner exactly where the
old one was: the task resumes instead of starting over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from .core import Interrupt, Simulation


@dataclass(frozen=True)
class Step:
    seconds: float
    phase: str  # may hold "{left}": the megabytes left, counted down from left_from to left_to
    progress_to: int
    cancelable: bool = True
    left_from: float | None = None
    left_to: float | None = None

    def phase_at(self, fraction: float) -> str:
        if self.left_from is None:
            return self.phase
        left = self.left_from + (self.left_to - self.left_from) * fraction
        return self.phase.format(left=f"{left:,.0f} MB")


@dataclass(frozen=True)
class Plan:
    steps: list[Step]
    commit: str | None = None  # what the runner does at the end, with the task's success
    failure: str | None = None  # the plan ends in this error instead
    facts: dict = field(default_factory=dict)  # figures for the task's event (stun time ...)

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.steps)


@dataclass(frozen=True)
class Report:
    """Where an operation stands during one step of its plan, at any instant of the step. A
    process reports once per step; the runner reads it at the instant each of its passes reaches
    (4 times a second), so progress moves as smoothly at 1x as at 100x with no event per
    simulated second, and a step of a long operation costs one event however long it lasts."""
    start: float
    end: float
    progress_from: int
    step: Step

    @property
    def cancelable(self) -> bool:
        return self.step.cancelable

    def at(self, now: float) -> tuple[int, str]:
        """(progress in percent, phase) at simulated time `now`."""
        fraction = elapsed(self.start, self.end, now)
        return along(self.progress_from, self.step.progress_to, fraction), self.step.phase_at(fraction)


def elapsed(start: float, end: float, now: float) -> float:
    """How far `now` is into [start, end], from 0 to 1 (1 for an empty span)."""
    return min(1.0, max(0.0, (now - start) / (end - start))) if end > start else 1.0


def along(progress_from: int, progress_to: int, fraction: float) -> int:
    """The progress shown `fraction` of the way from one figure to the next."""
    return round(progress_from + (progress_to - progress_from) * fraction)


class Ops(Protocol):
    """What a process asks of the runner that hosts it (the database side)."""

    def progress(self, task_id: int, report: Report) -> None: ...
    def finish(self, task_id: int, commit: str | None, facts: dict) -> str | None: ...
    def fail(self, task_id: int, message: str) -> None: ...


CANCELED = "The task was canceled by a user."


def play(sim: Simulation, ops: Ops, task_id: int, plan: Plan, started: float, progress_from: int = 0):
    """Play `plan` as if it began at simulated time `started` (earlier than now when a runner
    resumes a task): steps already behind are skipped, the current one continues."""
    t = started
    progress = progress_from
    try:
        for step in plan.steps:
            end = t + step.seconds
            if sim.now < end:
                ops.progress(task_id, Report(t, end, progress, step))
                yield end - sim.now
            t, progress = end, step.progress_to
    except Interrupt as interrupt:
        ops.fail(task_id, interrupt.cause or CANCELED)
        return False
    if plan.failure:
        ops.fail(task_id, plan.failure)
        return False
    error = ops.finish(task_id, plan.commit, plan.facts)
    return error is None
