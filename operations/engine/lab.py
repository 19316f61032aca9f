"""One lab's simulation: its event heap, its concurrency slots and one process per operation.

An operation waits for its slots (if it needs any), asks the runner to begin it (the runner
re-checks the inventory and computes the plan from it, or rebuilds the stored plan of a task
it is resuming), then plays the plan. Cancel interrupts it while its current step allows it.
"""

from __future__ import annotations

from typing import Protocol

from .core import Interrupt, Process, Simulation
from .slots import SlotPool
from .timeline import CANCELED, Ops, Plan, play


class RunnerOps(Ops, Protocol):
    def waiting(self, task_id: int, phase: str) -> None: ...
    def begin(self, task_id: int, sharing: int) -> tuple[Plan, float] | str: ...


class _Tracking:
    """Passes a process's reports on to the runner, remembering whether it may be canceled."""

    def __init__(self, ops: RunnerOps, cancelable: dict[int, bool]):
        self.ops, self.cancelable = ops, cancelable

    def progress(self, task_id, progress, phase, cancelable):
        self.cancelable[task_id] = cancelable
        self.ops.progress(task_id, progress, phase, cancelable)

    def finish(self, task_id, commit, facts):
        return self.ops.finish(task_id, commit, facts)

    def fail(self, task_id, message):
        self.ops.fail(task_id, message)


class LabSim:
    def __init__(self, ops: RunnerOps, now: float):
        self.sim = Simulation(now)
        self.slots = SlotPool(self.sim)
        self.ops = ops
        self.processes: dict[int, Process] = {}
        self.cancelable: dict[int, bool] = {}
        self.tasks: set[int] = set()  # every task handed to this lab, started or not

    @property
    def now(self) -> float:
        return self.sim.now

    @property
    def busy(self) -> bool:
        return any(p.alive for p in self.processes.values())

    def start(self, task_id: int, needs: dict[str, int] | None = None, resuming: bool = False) -> None:
        """Start (or, after a runner restart, resume) the operation of `task_id`. `needs` maps
        each limited resource the operation uses (VMotion slots of a host, of a datastore) to
        its capacity."""
        if task_id in self.processes:
            return
        self.cancelable[task_id] = True
        self.processes[task_id] = self.sim.process(self._operation(task_id, needs or {}, resuming))

    def _operation(self, task_id: int, needs: dict[str, int], resuming: bool):
        tracking = _Tracking(self.ops, self.cancelable)
        try:
            holding = all(task_id in self.slots.users(key) for key in needs)
            if needs and not holding:
                granted = self.slots.acquire(task_id, needs, force=resuming)
                if not granted.triggered:
                    full = [key for key, cap in needs.items() if len(self.slots.users(key)) >= cap]
                    self.ops.waiting(task_id, "Waiting for a free migration slot: " + "; ".join(
                        f"{len(self.slots.users(k))} of {needs[k]} in use on {k}" for k in full))
                try:
                    yield granted
                except Interrupt as interrupt:
                    self.ops.fail(task_id, interrupt.cause or CANCELED)
                    return False
            sharing = max((len(self.slots.users(k)) for k in needs if not k.startswith("datastore ")), default=1)
            begun = self.ops.begin(task_id, sharing)
            if isinstance(begun, str):
                self.ops.fail(task_id, begun)
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
