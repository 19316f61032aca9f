"""A small discrete-event core in the manner of SimPy: a heap of timed callbacks and processes
written as generators that yield how long to wait, or an event to wait for.

Primitives: `timeout()` (an event after a delay), `any_of()` / `all_of()` (conditions over
several events), `Signal` (a broadcast a process can subscribe to, fired any number of times)
and `Store` (a FIFO of items, `get()` waits for one). Same-time events run by priority (inputs
from outside are URGENT: they happen before the steps of the processes due at that instant),
then in the order they were scheduled, so a run is deterministic."""

from __future__ import annotations

import heapq
import itertools
from typing import Callable, Generator


URGENT = 0  # outside inputs (faults, restores, commands): before anything else due at that instant
TIMER = 1  # standing agents' timers: after the inputs, before the processes' steps due at that instant
NORMAL = 2


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
        self._heap: list[tuple[float, int, int, Timer]] = []
        self._seq = itertools.count()

    def call_at(self, when: float, callback: Callable[[], None], priority: int = NORMAL) -> Timer:
        timer = Timer(callback)
        heapq.heappush(self._heap, (max(when, self.now), priority, next(self._seq), timer))
        return timer

    def timeout(self, delay: float, value=None) -> Event:
        """An event that triggers `delay` simulated seconds from now."""
        if delay < 0:
            raise ValueError("a timeout cannot be negative")
        event = Event(self)
        self.call_at(self.now + delay, lambda: event.succeed(value))
        return event

    def any_of(self, events: list[Event]) -> Condition:
        """Triggers as soon as one of `events` has; its value maps the triggered ones to their values."""
        return Condition(self, events, need_all=False)

    def all_of(self, events: list[Event]) -> Condition:
        return Condition(self, events, need_all=True)

    def process(self, body: ProcessBody) -> Process:
        return Process(self, body)

    def event(self) -> Event:
        return Event(self)

    def peek(self) -> float | None:
        while self._heap and self._heap[0][3].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def step(self) -> None:
        when, _, _, timer = heapq.heappop(self._heap)
        self.now = when
        if not timer.cancelled:
            timer.callback()

    def run(self, until: float) -> None:
        """Fire everything due up to `until`, then stand the clock at `until`."""
        while (nxt := self.peek()) is not None and nxt <= until:
            self.step()
        self.now = max(self.now, until)


class Condition(Event):
    """any_of / all_of: triggers when one (or every) event of a list has triggered. Its value is
    a dict of the triggered events and their values, in the order of the list."""

    def __init__(self, sim: Simulation, events: list[Event], need_all: bool):
        super().__init__(sim)
        self.events, self.need_all = list(events), need_all
        if not self.events:
            self.succeed({})
            return
        for event in self.events:
            event.on(self._check)

    def _check(self, _event: Event) -> None:
        if self.triggered:
            return
        done = [e for e in self.events if e.triggered]
        if done and (not self.need_all or len(done) == len(self.events)):
            for event in self.events:
                event.forget(self._check)
            self.succeed({e: e.value for e in done})


class Signal:
    """A broadcast: `wait()` is an event that triggers at the next `fire(value)`. Any number of
    processes may wait; each fire wakes those waiting then. Nothing is remembered in between."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self._next: Event | None = None

    def wait(self) -> Event:
        if self._next is None:
            self._next = Event(self.sim)
        return self._next

    def fire(self, value=None) -> int:
        """Wake every process waiting now; returns how many events were triggered (0 or 1)."""
        event, self._next = self._next, None
        if event is None:
            return 0
        event.succeed(value)
        return 1


class Store:
    """A FIFO of items: `put()` never waits, `get()` is an event that triggers with the oldest
    item, at once if there is one."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self.items: list = []
        self._getters: list[Event] = []

    def put(self, item) -> None:
        self._getters = [g for g in self._getters if not g.triggered]
        if self._getters:
            self._getters.pop(0).succeed(item)
        else:
            self.items.append(item)

    def get(self) -> Event:
        event = Event(self.sim)
        if self.items:
            event.succeed(self.items.pop(0))
        else:
            self._getters.append(event)
        return event

    def cancel(self, getter: Event) -> None:
        """Withdraw a get() its process no longer waits for (it was interrupted): the next item
        goes to the next getter instead of being lost."""
        if getter in self._getters:
            self._getters.remove(getter)
