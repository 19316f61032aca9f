"""One lab's simulation: its event heap, its concurrency slots, one process per operation, the
outside inputs to apply and the standing agents' timers.

An operation waits for its slots (if it needs any), asks the runner to begin it (the runner
re-checks the inventory and computes the plan from it, or rebuilds the stored plan of a task
it is resuming), then plays the plan. Cancel interrupts it while its current step allows it.

Inputs (faults, restores, scenario lines) are applied by the runner at their instant, before
anything else due then (URGENT); agents' timers come next (TIMER), then the operations' steps.
When applying an input (or an agent's step) failed some tasks in the database, the runner
`abandon`s their processes: they stop without reporting anything more.
"""

from __future__ import annotations

from typing import Protocol

from .core import TIMER, URGENT, Interrupt, Process, Simulation, Timer
from .slots import SlotPool
from .timeline import CANCELED, Ops, Plan, play


class RunnerOps(Ops, Protocol):
    def waiting(self, task_id: int, phase: str) -> None: ...
    def begin(self, task_id: int, sharing: int) -> tuple[Plan, float] | str: ...
    def apply_input(self, input_id: int) -> None: ...
    def agent_timer(self, key: str) -> None: ...


class _Tracking:
    """Passes a process's reports on to the runner, remembering whether it may be canceled;
    an abandoned task (failed in the database by a reaction) reports nothing more."""

    def __init__(self, ops: RunnerOps, cancelable: dict[int, bool], abandoned: set[int]):
        self.ops, self.cancelable, self.abandoned = ops, cancelable, abandoned

    def waiting(self, task_id, phase):
        if task_id not in self.abandoned:
            self.ops.waiting(task_id, phase)

    def progress(self, task_id, report):
        self.cancelable[task_id] = report.cancelable
        if task_id not in self.abandoned:
            self.ops.progress(task_id, report)

    def finish(self, task_id, commit, facts):
        return self.ops.finish(task_id, commit, facts)

    def fail(self, task_id, message):
        if task_id not in self.abandoned:
            self.ops.fail(task_id, message)


class LabSim:
    def __init__(self, ops: RunnerOps, now: float):
        self.sim = Simulation(now)
        self.slots = SlotPool(self.sim)
        self.ops = ops
        self.processes: dict[int, Process] = {}
        self.cancelable: dict[int, bool] = {}
        self.tasks: set[int] = set()  # every task handed to this lab, started or not
        self.inputs: set[int] = set()  # every input scheduled here
        self.timers: dict[str, tuple[float, Timer]] = {}  # agent key -> (due, its timer)
        self.abandoned: set[int] = set()
        self._tracking = _Tracking(ops, self.cancelable, self.abandoned)

    @property
    def now(self) -> float:
        return self.sim.now

    @property
    def busy(self) -> bool:
        return any(p.alive for p in self.processes.values())

    @property
    def idle(self) -> bool:
        """Nothing left to simulate: no live operation, nothing on the heap (no input, no timer)."""
        return not self.busy and self.sim.peek() is None

    def schedule_input(self, input_id: int, at: float) -> None:
        """Apply input `input_id` at `at` (now if that has passed), before anything else due then."""
        if input_id in self.inputs:
            return
        self.inputs.add(input_id)
        self.sim.call_at(at, lambda: self.ops.apply_input(input_id), priority=URGENT)

    def arm(self, key: str, due: float | None) -> None:
        """(Re-)arm agent `key`'s timer at `due`, or disarm it (None)."""
        armed = self.timers.get(key)
        if armed is not None and armed[0] == due:
            return
        if armed is not None:
            armed[1].cancel()
            del self.timers[key]
        if due is not None:
            self.timers[key] = (due, self.sim.call_at(due, lambda: self._fire(key), priority=TIMER))

    def _fire(self, key: str) -> None:
        self.timers.pop(key, None)
        self.ops.agent_timer(key)

    def abandon(self, task_id: int) -> None:
        """The task was failed in the database (a reaction): stop its process silently, freeing
        its slots; a task not started yet will not start."""
        self.abandoned.add(task_id)
        process = self.processes.get(task_id)
        if process is not None and process.alive:
            process.interrupt("")

    def start(self, task_id: int, needs: dict[str, int] | None = None, resuming: bool = False) -> None:
        """Start (or, after a runner restart, resume) the operation of `task_id`. `needs` maps
        each limited resource the operation uses (VMotion slots of a host, of a datastore) to
        its capacity."""
        if task_id in self.processes or task_id in self.abandoned:
            return
        self.cancelable[task_id] = True
        self.processes[task_id] = self.sim.process(self._operation(task_id, needs or {}, resuming))

    def _operation(self, task_id: int, needs: dict[str, int], resuming: bool):
        tracking = self._tracking
        try:
            holding = all(task_id in self.slots.users(key) for key in needs)
            if needs and not holding:
                granted = self.slots.acquire(task_id, needs, force=resuming)
                if not granted.triggered:
                    full = [key for key, cap in needs.items() if len(self.slots.users(key)) >= cap]
                    tracking.waiting(task_id, "Waiting for a free migration slot: " + "; ".join(
                        f"{len(self.slots.users(k))} of {needs[k]} in use on {k}" for k in full))
                try:
                    yield granted
                except Interrupt as interrupt:
                    tracking.fail(task_id, interrupt.cause or CANCELED)
                    return False
            sharing = max((len(self.slots.users(k)) for k in needs if not k.startswith("datastore ")), default=1)
            begun = self.ops.begin(task_id, sharing)
            if isinstance(begun, str):
                tracking.fail(task_id, begun)
                return False
            plan, started = begun
            return (yield from play(self.sim, tracking, task_id, plan, started))
        finally:
            self.slots.release(task_id)
            self.cancelable.pop(task_id, None)

    def cancel(self, task_id: int) -> bool:
        """Interrupt the operation if its current step may be canceled (not during a stun)."""
        process = self.processes.get(task_id)
        if process is None or not process.alive or not self.cancelable.get(task_id, False):
            return False
        process.interrupt(CANCELED)
        return True

    def run(self, until: float) -> None:
        self.sim.run(until)
        for task_id in [t for t, p in self.processes.items() if not p.alive]:
            del self.processes[task_id]
