"""Concurrency limits with a queue: VMotions per host (4 on 1 GbE, 8 on 10 GbE) and per
datastore (128). A migration needs a slot on every resource it uses at once; requests are
granted in arrival order as soon as all their resources have room."""

from __future__ import annotations

from dataclasses import dataclass, field

from .core import Event, Simulation


@dataclass
class Request:
    owner: int
    needs: dict[str, int]  # resource key -> its capacity
    event: Event
    granted: bool = False


@dataclass
class SlotPool:
    sim: Simulation
    in_use: dict[str, list[int]] = field(default_factory=dict)
    waiting: list[Request] = field(default_factory=list)

    def users(self, key: str) -> list[int]:
        return self.in_use.get(key, [])

    def _fits(self, needs: dict[str, int]) -> bool:
        return all(len(self.users(key)) < cap for key, cap in needs.items())

    def acquire(self, owner: int, needs: dict[str, int], force: bool = False) -> Event:
        """An event that triggers once `owner` holds a slot on every resource in `needs`.
        `force` takes the slots at once, over the limit: a runner resuming migrations that were
        already running when it restarted."""
        request = Request(owner, needs, self.sim.event())
        if force or (not self.waiting and self._fits(needs)):
            self._grant(request)
        else:
            self.waiting.append(request)
        return request.event

    def _grant(self, request: Request) -> None:
        request.granted = True
        for key in request.needs:
            self.in_use.setdefault(key, []).append(request.owner)
        request.event.succeed()

    def release(self, owner: int) -> None:
        self.waiting = [r for r in self.waiting if r.owner != owner]
        for key in list(self.in_use):
            self.in_use[key] = [o for o in self.in_use[key] if o != owner]
        still_waiting = []
        for request in self.waiting:
            if not still_waiting and self._fits(request.needs):
                self._grant(request)
            else:
                still_waiting.append(request)
        self.waiting = still_waiting

    def position(self, owner: int) -> int | None:
        return next((i for i, r in enumerate(self.waiting) if r.owner == owner), None)
