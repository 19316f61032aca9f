"""Driving a lab's simulation to the end of a scenario without waiting on the wall clock
(`manage.py runscenario`): the lab's clock is paused and moved to each line's instant in turn,
and a runner of this process plays what is due, as the runner tests step the clock. The outcome
depends only on the lab and the script (the simulation is deterministic for the lab's seed), never
on how fast this machine is. If another live runner holds the lab (a served lab), the clock is
moved the same way and this waits until that runner has played up to each instant."""

from __future__ import annotations

import time

from inventory.models import Lab
from operations.models import Scenario, ScenarioState
from operations.services.locking import in_lab_transaction

from .runner import Runner

WAIT_S = 60.0  # the longest this waits for another runner to reach an instant


def pause(lab: Lab, *, at_zero: bool = False) -> None:
    """Pause the lab's clock where it is (a fresh lab: at its start, so its scenarios begin at 0)."""
    def work():
        locked = Lab.objects.get(pk=lab.pk)
        if at_zero:
            Lab.objects.filter(pk=lab.pk).update(clock_paused=True)
        elif not locked.clock_paused:
            locked.set_clock(locked.clock.paused_at(time.time()))
            locked.save(update_fields=["sim_seconds", "clock_wall_at", "clock_speed", "clock_paused"])
    in_lab_transaction(lab.pk, work)


def _move_to(lab_id: int, instant: float) -> None:
    """The paused clock at `instant` (never backwards)."""
    in_lab_transaction(lab_id, lambda: Lab.objects.filter(pk=lab_id, sim_seconds__lt=instant).update(
        sim_seconds=instant))


def _played(runner: Runner, lab_id: int, instant: float) -> None:
    """Let the runner play the lab up to `instant`; or wait for the runner that holds it."""
    runner.step()
    deadline = time.monotonic() + WAIT_S
    while True:
        lab = Lab.objects.get(pk=lab_id)
        if lab.runner_id in ("", runner.id) or lab.lease_until < time.time() or lab.sim_processed >= instant - 1e-9:
            if lab.runner_id not in ("", runner.id) and lab.lease_until < time.time():
                runner.step()  # its runner is gone: this one takes the lab over
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the runner holding lab {lab_id} did not reach the scenario's next instant")
        time.sleep(0.05)  # another process's runner (wall clock: it is not ours to step)
        runner.step()


def drive(scenario: Scenario, runner: Runner | None = None) -> Scenario:
    """Play the lab until the scenario has ended (every line applied); returns it reloaded."""
    own = runner is None
    runner = runner or Runner()
    instants = sorted({scenario.started_sim + line["at"] for line in scenario.lines})
    for instant in instants:
        _move_to(scenario.lab_id, instant)
        _played(runner, scenario.lab_id, instant)
    for _ in range(100):  # lines of the last instant written by the one before: played in the same step
        scenario.refresh_from_db()
        if scenario.state != ScenarioState.RUNNING:
            break
        _played(runner, scenario.lab_id, instants[-1])
    if own:  # a second runscenario on this lab right after must not wait for this runner's lease
        runner.release(scenario.lab_id)
    return scenario
