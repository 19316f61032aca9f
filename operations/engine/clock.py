"""A lab's simulated clock, anchored to the wall clock.

The clock is stored as an anchor: `sim_seconds` was the simulated time at wall time `wall_at`,
and since then it ran at `speed` unless `paused`. Any process can read the current simulated
time from the anchor without asking the runner, and no one writes it every tick.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

MIN_SPEED = 0.1
MAX_SPEED = 100.0


@dataclass(frozen=True)
class Clock:
    sim_seconds: float = 0.0
    wall_at: float = 0.0
    speed: float = 1.0
    paused: bool = False

    def now(self, wall: float) -> float:
        if self.paused:
            return self.sim_seconds
        return self.sim_seconds + max(0.0, wall - self.wall_at) * self.speed

    def anchored(self, wall: float) -> Clock:
        """The same clock, re-anchored at `wall` (before changing its speed or pausing it)."""
        return replace(self, sim_seconds=self.now(wall), wall_at=wall)

    def with_speed(self, wall: float, speed: float) -> Clock:
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise ValueError(f"The clock speed must be between {MIN_SPEED:g}x and {MAX_SPEED:g}x.")
        return replace(self.anchored(wall), speed=speed)

    def paused_at(self, wall: float) -> Clock:
        return replace(self.anchored(wall), paused=True)

    def resumed_at(self, wall: float) -> Clock:
        return replace(self, wall_at=wall, paused=False)

    def advanced(self, wall: float, seconds: float) -> Clock:
        if seconds <= 0:
            raise ValueError("Advance the clock by a positive number of seconds.")
        clock = self.anchored(wall)
        return replace(clock, sim_seconds=clock.sim_seconds + seconds)
