"""A small discrete-event core in the manner of SimPy: a heap of timed callbacks and processes
written as generators that yield how long to wait, or an event to wait for."""

from __future__ import annotations

import heapq
import itertools
from typing import Callable, Generator


class Interrupt(Exception):
    """Thrown into a process by Process.interrupt (a user canceled its task, for example)."""

    def __init__(self, cause: str = ""):
        super().__init__(cause)
        self.cause = cause


class Event:
    """Something that happens once; processes waiting on it resume when it does."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self.triggered = False
        self.value = None
        self._waiters: list[Callable[[Event], None]] = []

    def succeed(self, value=None) -> Event:
        if not self.triggered:
            self.triggered, self.value = True, value
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                self.sim.call_at(self.sim.now, lambda w=waiter: w(self))
        return self

    def on(self, callback: Callable[[Event], None]) -> None:
        if self.triggered:
            self.sim.call_at(self.sim.now, lambda: callback(self))
        else:
            self._waiters.append(callback)

    def forget(self, callback) -> None:
        if callback in self._waiters:
            self._waiters.remove(callback)


ProcessBody = Generator["float | Event", object, object]


class Process(Event):
    """Runs a generator. `yield 2.5` waits 2.5 simulated seconds; `yield event` waits for it.
    The process is itself an event that triggers with the generator's return value."""

    def __init__(self, sim: Simulation, body: ProcessBody):
        super().__init__(sim)
        self._body = body
        self._waiting_on: Event | None = None
        self._timer = None
        sim.call_at(sim.now, lambda: self._resume(None, None))

    @property
    def alive(self) -> bool:
        return not self.triggered

    def interrupt(self, cause: str = "") -> None:
        if self.triggered:
            return
        if self._timer is not None:
            self._timer.cancel()
        if self._waiting_on is not None:
            self._waiting_on.forget(self._on_event)
        self._timer = self._waiting_on = None
        self.sim.call_at(self.sim.now, lambda: self._resume(None, Interrupt(cause)))

    def _on_event(self, event: Event) -> None:
        self._waiting_on = None
        self._resume(event.value, None)

    def _resume(self, value, error: BaseException | None) -> None:
        if self.triggered:
            return
        self._timer = None
        try:
            target = self._body.throw(error) if error is not None else self._body.send(value)
        except StopIteration as stop:
            self.succeed(stop.value)
            return
        except Exception as failure:  # the process is over either way; its error goes to run()
            self.succeed(None)
            raise failure
        if isinstance(target, Event):
            self._waiting_on = target
            target.on(self._on_event)
        else:
            delay = float(target)
            if delay < 0:
                raise ValueError("a process cannot wait a negative time")
            self._timer = self.sim.call_at(self.sim.now + delay, lambda: self._resume(None, None))


class Timer:
    __slots__ = ("callback", "cancelled")

    def __init__(self, callback: Callable[[], None]):
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Simulation:
    """The heap of `(time, sequence, timer)`; the sequence keeps same-time events in the order
    they were scheduled, so a run is deterministic."""

    def __init__(self, now: float = 0.0):
        self.now = now
        self._heap: list[tuple[float, int, Timer]] = []
        self._seq = itertools.count()

    def call_at(self, when: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(callback)
        heapq.heappush(self._heap, (max(when, self.now), next(self._seq), timer))
        return timer

    def process(self, body: ProcessBody) -> Process:
        return Process(self, body)

    def event(self) -> Event:
        return Event(self)

    def peek(self) -> float | None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def step(self) -> None:
        when, _, timer = heapq.heappop(self._heap)
        self.now = when
        if not timer.cancelled:
            timer.callback()

    def run(self, until: float) -> None:
        """Fire everything due up to `until`, then stand the clock at `until`."""
        while (nxt := self.peek()) is not None and nxt <= until:
            self.step()
        self.now = max(self.now, until)
