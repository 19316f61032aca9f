"""An operation as a plan of timed steps, and the process that plays it.

Plans are computed once, when the operation starts, from inputs the runner stores in the Task
row. Replaying a plan from its start time therefore puts a restarted runner exactly where the
old one was: the task resumes instead of starting over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from .core import Interrupt, Simulation

TICK = 1.0  # simulated seconds between two progress reports within a long step


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


class Ops(Protocol):
    """What a process asks of the runner that hosts it (the database side)."""

    def progress(self, task_id: int, progress: int, phase: str, cancelable: bool) -> None: ...
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
            while sim.now < end:
                fraction = (sim.now - t) / step.seconds if step.seconds else 1.0
                shown = round(progress + (step.progress_to - progress) * fraction)
                ops.progress(task_id, shown, step.phase_at(fraction), step.cancelable)
                yield min(TICK, end - sim.now)
            t, progress = end, step.progress_to
    except Interrupt as interrupt:
        ops.fail(task_id, interrupt.cause or CANCELED)
        return False
    if plan.failure:
        ops.fail(task_id, plan.failure)
        return False
    error = ops.finish(task_id, plan.commit, plan.facts)
    return error is None
