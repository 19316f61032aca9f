from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
import uuid
from typing import Callable, TypeVar

from django.db import DatabaseError, close_old_connections, connections
from django.db.models import F, Q
from django.utils import timezone

from inventory.models import Lab
from operations.engine.changes import Change
from operations.engine.lab import LabSim
from operations.engine.timeline import CANCELED, Plan, Report, along, elapsed
from operations.faults import VimFault
from operations.kinds import kind
from operations.live import publisher
from operations.models import Agent, Input, Task, TaskState
from operations.services import reactions
from operations.services.locking import GENERAL, LabBusy, in_lab_transaction, lock_labs, locked_transaction
from operations.services.reactions import Outcome
from operations.services.records import simulated_instant

log = logging.getLogger(__name__)
T = TypeVar("T")

ACTIVE = (TaskState.QUEUED, TaskState.RUNNING)
CLOCK_FRESH_S = 0.05  # a lab's clock read longer ago than this in a step is read again before it runs
TICK_S = 0.25  # wall seconds between two steps: progress reaches the database 4 times a second
LEASE_S = float(os.environ.get("SIM_LEASE_S", "5"))  # a dead runner's labs are taken over after this
GENERAL_ERROR = "A general system error occurred: {}"  # with an internal error's name, never database text
LOST = "(this runner no longer holds the lab)"  # not a failure: another runner carries on
TASK_FIELDS = ("pk", "lab_id", "kind", "queued_sim", "started_sim", "cancel_requested")


def _general(error: Exception) -> str:
    """A task's message for an unexpected error; a database's text never reaches a user (the log
    has the traceback)."""
    return GENERAL if isinstance(error, DatabaseError) else GENERAL_ERROR.format(error)


class LabOps:
    """The engine's requests for one lab, carried out on the database."""

    def __init__(self, runner: Runner, lab_id: int):
        self.runner, self.lab_id = runner, lab_id
        self.sim: LabSim | None = None

    @property
    def now(self) -> float:
        return self.sim.now

    def waiting(self, task_id: int, phase: str) -> None:
        self.runner.reports.pop(task_id, None)
        self.runner.pending[task_id] = (self.lab_id, 0, phase, True)

    def progress(self, task_id: int, report: Report) -> None:
        self.runner.reports[task_id] = (self.lab_id, report)  # read at the end of every step

    def _still_mine(self, task: Task) -> bool:
        """The task is still to be done, and by this runner: a runner that stalled past its
        lease must not act on a lab another runner has taken over."""
        return task.is_active and Lab.objects.filter(pk=task.lab_id, runner_id=self.runner.id).exists()

    def _locked_task(self, task_id: int) -> Task:
        """The task row, locked after its lab's (the lock order of operations.services.locking)."""
        return Task.objects.select_for_update(of=("self",)).get(pk=task_id)

    def _holding(self) -> bool:
        return Lab.objects.filter(pk=self.lab_id, runner_id=self.runner.id).exists()

    def _transaction(self, work):
        """work() in the lab's locked transaction, with what it records stamped at this instant."""
        with simulated_instant(self.lab_id, self.now):
            return in_lab_transaction(self.lab_id, work)

    def _after(self, outcome: Outcome | None) -> None:
        """Once a transaction that reacted has committed: stop the processes of the tasks it
        failed, re-arm the agents' timers, and schedule the inputs and start the tasks it wrote (a
        scenario's, an agent's) at this instant."""
        if outcome is None:
            return
        for task_id in outcome.failed:
            self.runner.done(task_id)
            self.sim.abandon(task_id)
        for key, due in outcome.timers.items():
            self.sim.arm(key, due)
        for row in Input.objects.filter(lab_id=self.lab_id, applied=False).exclude(pk__in=self.sim.inputs) \
                .order_by("pk").values("pk", "at"):
            self.sim.schedule_input(row["pk"], row["at"])
        for row in Task.objects.filter(lab_id=self.lab_id, state__in=ACTIVE).exclude(kind="") \
                .exclude(pk__in=self.runner.started).order_by("pk").values(*TASK_FIELDS):
            self.runner._start(self.sim, row)  # a System task an agent started, a scenario's migrate

    def at_this_instant(self, work: Callable[[Lab], tuple[T, list[Change]]]) -> T:
        """The hook for what a process applies to the world at its instant (the journal API's
        effects): work(lab) runs in the lab's locked transaction, stamped with this instant, and
        returns (its result, the Changes it made); the Changes are dispatched in that transaction
        (tasks that depend on them fail, agents step) and, once it commits, the LabSim learns the
        outcome. Raises what work raises (LabBusy: the step replays the lab from the database)."""
        outcome = None

        def unit():
            nonlocal outcome
            lab = Lab.objects.get(pk=self.lab_id)
            result, changes = work(lab)
            outcome = reactions.dispatch(lab, changes, self.now)
            return result

        result = self._transaction(unit)
        self._after(outcome)
        return result

    def apply_input(self, input_id: int) -> None:
        """Apply an input at its instant, with everything it causes, in one transaction."""
        def work():
            record = Input.objects.select_related("lab", "initiator").filter(pk=input_id).first()
            if record is None or record.applied or not self._holding():
                return None
            return reactions.apply_input(record, self.now)

        try:
            outcome = self._transaction(work)
        except LabBusy:
            raise  # the step drops the lab and replays it from the database: the input is still pending
        except Exception as error:  # never let one input stop the runner, nor come back every step
            log.exception("input %s could not be applied", input_id)
            message = _general(error)
            self._transaction(lambda: Input.objects.filter(pk=input_id, applied=False).update(
                applied=True, applied_sim=self.now, result=f"error: {message}"))
            return
        self._after(outcome)

    def agent_timer(self, key: str) -> None:
        """An agent's timer is due: its transition, effects and their reactions, in one transaction."""
        def work():
            if not self._holding():
                return None
            return reactions.agent_timer(Lab.objects.get(pk=self.lab_id), key, self.now)

        try:
            outcome = self._transaction(work)
        except LabBusy:
            raise
        except Exception:
            log.exception("lab %s: agent %s failed at its timer; it is stopped", self.lab_id, key)
            self._transaction(lambda: Agent.objects.filter(lab_id=self.lab_id, key=key).update(due_sim=None))
            return
        self._after(outcome)

    def begin(self, task_id: int, sharing: int) -> tuple[Plan, float] | str:
        def work():
            task = self._locked_task(task_id)
            if not self._still_mine(task):
                return LOST
            operation = kind(task.kind)
            if task.cancel_requested:
                return CANCELED  # also when the cancel came while no runner was up
            if task.started_sim is not None and "inputs" in task.plan:
                # a task this runner (or the one before it) already began: replay its plan
                return operation.plan(task, task.plan["inputs"]), task.started_sim
            inputs = operation.begin(task, self.now, sharing)
            task.state, task.started_sim, task.started_at = TaskState.RUNNING, self.now, timezone.now()
            task.plan = {"inputs": inputs}
            task.save(update_fields=["state", "started_sim", "started_at", "plan"])
            return operation.plan(task, inputs), self.now

        try:
            return self._transaction(work)
        except LabBusy:
            raise  # the database stayed busy: the step drops the lab and replays it from the database
        except VimFault as fault:
            return " ".join(fault.messages)
        except Exception as error:  # never let one task stop the runner
            log.exception("task %s could not begin", task_id)
            return _general(error)

    def finish(self, task_id: int, commit: str | None, facts: dict) -> str | None:
        self.runner.done(task_id)

        outcome = None

        def work():
            nonlocal outcome
            task = self._locked_task(task_id)
            if not self._still_mine(task):
                return LOST
            changes = kind(task.kind).commit(task, commit, facts, self.now) if commit else None
            Task.objects.filter(pk=task_id).update(
                state=TaskState.SUCCESS, progress=100, phase="", cancelable=False,
                completed_sim=self.now, completed_at=timezone.now(),
            )
            if changes:
                outcome = reactions.dispatch(task.lab, changes, self.now, exclude=(task_id,))
            return None

        try:
            result = self._transaction(work)
            self._after(outcome)
            return result
        except LabBusy:
            raise  # the step drops the lab; the task replays its plan and commits again
        except VimFault as fault:
            message = " ".join(fault.messages)
        except Exception as error:
            log.exception("task %s could not complete", task_id)
            message = _general(error)
        self.fail(task_id, message)
        return message

    def fail(self, task_id: int, message: str) -> None:
        self.runner.done(task_id)
        if message == LOST:
            return

        def work():
            task = self._locked_task(task_id)
            if not self._still_mine(task):
                return
            task.state, task.error_message, task.cancelable = TaskState.ERROR, message, False
            task.completed_sim, task.completed_at = self.now, timezone.now()
            task.save(update_fields=["state", "error_message", "cancelable", "completed_sim", "completed_at"])
            kind(task.kind).failed(task, message, self.now)

        try:
            self._transaction(work)
        except Task.DoesNotExist:
            pass  # its lab was deleted
        except LabBusy:  # the task is replayed from the database later
            log.warning("task %s could not be marked failed yet: the database was busy", task_id)
            self.runner.forget(self.lab_id)
        except Exception:  # the database is gone: the task is replayed from it later
            log.exception("task %s could not be marked failed", task_id)
            self.runner.forget(self.lab_id)


class Runner:
    """Steps every lab that has something to simulate (timed tasks, inputs to apply, agents'
    timers) up to its clock's current time."""

    def __init__(self):
        self.labs: dict[int, LabSim] = {}
        self.started: set[int] = set()  # tasks handed to a LabSim
        self.pending: dict[int, tuple[int, int, str, bool]] = {}  # progress to write at the end of the step
        self.reports: dict[int, tuple[int, Report]] = {}  # running tasks: lab, where the current step stands
        self.written: dict[int, tuple[int, str, bool]] = {}  # the progress last written, by task
        self.stop = threading.Event()
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.batches: list[tuple[int, dict]] = []  # what the last step has to publish
        self.processed: dict[int, float] = {}  # the last step's labs: the simulated instant each reached
        self.clocks: dict = {}  # the last step's labs' clocks

    def _claim(self, wall: float) -> set[int]:
        """Hold (or keep holding) every lab that has work, unless another live runner holds it:
        timed tasks to run, inputs to apply, agents' timers armed, or events to publish. Returns
        the labs this runner holds. The labs are locked by ascending pk before the update, so two
        runners claiming at once cannot deadlock (nor a runner and a lab's writer, which holds
        one lab's lock). A lab with none of these is not held: it costs nothing."""
        active = Task.objects.filter(state__in=ACTIVE).exclude(kind="").values("lab_id")
        inputs = Input.objects.filter(applied=False).values("lab_id")
        timers = Agent.objects.filter(due_sim__isnull=False).values("lab_id")
        claimable = Lab.objects.filter(Q(lease_until__lt=wall) | Q(runner_id=self.id)).filter(
            Q(pk__in=active) | Q(pk__in=inputs) | Q(pk__in=timers) | Q(event_seq__gt=F("published_seq")))

        def work():
            ids = list(claimable.values_list("pk", flat=True))
            lock_labs(ids)
            # re-read under the locks: another runner may have claimed one meanwhile
            claimable.filter(pk__in=ids).update(runner_id=self.id, lease_until=wall + LEASE_S)

        locked_transaction(lambda: None, work, what="runner claim")
        return set(Lab.objects.filter(runner_id=self.id, lease_until__gte=wall).values_list("pk", flat=True))

    def step(self, wall: float | None = None) -> int:
        """One pass: pick up new tasks, cancels, inputs and agents' timers, run each lab's events
        up to now, write the progress. Returns how many timed tasks are active."""
        fixed = wall  # tests step at a given wall time; otherwise each lab runs up to its clock's now
        owned = self._claim(time.time() if wall is None else wall)
        wall = time.time() if wall is None else wall  # after the claim, which may have waited for a lock
        rows = list(
            Task.objects.filter(state__in=ACTIVE, lab_id__in=owned).exclude(kind="").order_by("pk")
            .values(*TASK_FIELDS)
        )
        inputs = list(Input.objects.filter(applied=False, lab_id__in=owned).order_by("pk").values("pk", "lab_id", "at"))
        timers = list(Agent.objects.filter(due_sim__isnull=False, lab_id__in=owned).order_by("pk")
                      .values("lab_id", "key", "due_sim"))
        self.started &= {r["pk"] for r in rows}
        for lab_id in set(self.labs) - owned:  # lost the lease (stalled, or the lab was deleted)
            self.forget(lab_id)
        busy = {r["lab_id"] for r in rows} | {i["lab_id"] for i in inputs} | {t["lab_id"] for t in timers}
        clocks = {lab.pk: lab.clock for lab in Lab.objects.filter(pk__in=busy)}
        read_at = time.time()
        for lab_id in sorted(clocks):
            if lab_id not in self.labs:
                self._create(lab_id, clocks[lab_id].now(wall), rows, inputs, timers)
        for entry in timers:  # timers armed by another runner's transactions, or changed meanwhile
            if entry["lab_id"] in self.labs:
                self.labs[entry["lab_id"]].arm(entry["key"], entry["due_sim"])
        for entry in inputs:  # each is scheduled once per LabSim, in pk order
            if entry["lab_id"] in self.labs:
                self.labs[entry["lab_id"]].schedule_input(entry["pk"], entry["at"])
        for row in rows:
            sim = self.labs.get(row["lab_id"])
            if sim is None:
                continue
            if row["pk"] not in self.started:
                self._start(sim, row)
            elif row["cancel_requested"]:
                sim.cancel(row["pk"])
        processed = {}
        for lab_id, sim in list(self.labs.items()):
            if lab_id not in clocks:
                self.forget(lab_id)
                continue
            try:
                # read per lab: a lab simulated late in a long step still reaches its clock's now
                sim.run(self._until(lab_id, clocks, read_at, fixed))
                processed[lab_id] = sim.now
            except LabBusy:  # a begin, commit or input met a busy database: replay from it next step
                log.warning("lab %s: the database was busy; replaying the lab next step", lab_id)
                self.forget(lab_id)
                continue
            except Exception:  # start again from the database next step: tasks replay their plans
                log.exception("lab %s: simulation step failed", lab_id)
                self.forget(lab_id)
                continue
            if sim.idle:
                self.forget(lab_id)  # nothing left to simulate: the clock anchor keeps the time
        moving = self._flush(processed)
        self.processed, self.clocks = processed, clocks
        self.batches = publisher.collect(owned, moving)  # after the commits: a failed step publishes nothing new
        return len(rows)

    @staticmethod
    def _until(lab_id: int, clocks: dict, read_at: float, fixed: float | None) -> float:
        """How far to run a lab this step: its clock's now. Late in a long step (other labs took
        their time) the clock is read again first, so a pause, a speed change or an advance made
        meanwhile is honoured (the stale anchor would run a paused lab on for the whole step at
        its old speed); early in the step, the clock as read at `read_at`."""
        if fixed is not None:
            return clocks[lab_id].now(fixed)
        wall = time.time()
        if wall - read_at > CLOCK_FRESH_S:
            lab = Lab.objects.filter(pk=lab_id).only(
                "sim_seconds", "clock_wall_at", "clock_speed", "clock_paused").first()
            if lab is not None:
                clocks[lab_id] = lab.clock
            return clocks[lab_id].now(wall)
        return clocks[lab_id].now(read_at)

    def _create(self, lab_id: int, now: float, rows: list[dict], inputs: list[dict], timers: list[dict]) -> LabSim:
        """A LabSim for the lab, from the database: it starts at the oldest thing to replay (a
        running task's start, a pending input, an agent's due timer), so events keep their true
        times even when this runner catches up after a restart; the agents' timers are armed at
        their stored instants."""
        ops = LabOps(self, lab_id)
        start = min([now]
                    + [r["queued_sim"] if r["started_sim"] is None else r["started_sim"]
                       for r in rows if r["lab_id"] == lab_id]
                    + [i["at"] for i in inputs if i["lab_id"] == lab_id]
                    + [t["due_sim"] for t in timers if t["lab_id"] == lab_id])
        sim = self.labs[lab_id] = ops.sim = LabSim(ops, now=start)
        return sim

    def release(self, lab_id: int) -> None:
        """Give the lab up now rather than at its lease's end (a runner that is done with it, as
        runscenario's): another runner may claim it at once."""
        self.forget(lab_id)
        Lab.objects.filter(pk=lab_id, runner_id=self.id).update(runner_id="", lease_until=0)

    def forget(self, lab_id: int) -> None:
        """Drop a lab's simulation; its active tasks are picked up again from the database."""
        sim = self.labs.pop(lab_id, None)
        if sim is not None:
            self.started -= sim.tasks
            for task_id in sim.tasks:
                self.reports.pop(task_id, None)
                self.written.pop(task_id, None)

    def done(self, task_id: int) -> None:
        """The task ended (or its process was abandoned): no more progress to write for it."""
        self.pending.pop(task_id, None)
        self.reports.pop(task_id, None)
        self.written.pop(task_id, None)

    def _start(self, sim: LabSim, row: dict) -> None:
        task_id = row["pk"]
        self.started.add(task_id)
        resuming = row["started_sim"] is not None
        try:
            needs = kind(row["kind"]).needs(Task.objects.get(pk=task_id))
        except Exception as error:
            log.exception("task %s: cannot read what it needs", task_id)
            sim.ops.fail(task_id, _general(error) if not isinstance(error, VimFault) else " ".join(error.messages))
            return
        sim.tasks.add(task_id)
        if resuming and needs:
            sim.slots.acquire(task_id, needs, force=True)  # before any queued task can take them
        at = row["started_sim"] if resuming else row["queued_sim"]
        sim.sim.call_at(at, lambda: sim.start(task_id, needs, resuming))

    def _flush(self, processed: dict[int, float]) -> dict[int, set[int]]:
        """Write the step's progress reports, and how far each lab's events have been played.
        Returns the tasks that moved, by lab."""
        moving: dict[int, set[int]] = {}
        self._spans(processed)
        for task_id, (lab_id, report) in self.reports.items():  # where each running step stands now
            if lab_id in processed and task_id not in self.pending:
                shown = (*report.at(processed[lab_id]), report.cancelable)
                if self.written.get(task_id) != shown:
                    self.pending[task_id] = (lab_id, *shown)
        if not self.pending and not processed:
            return moving
        pending, self.pending = self.pending, {}

        def work():
            # the labs' locks are held (ascending pk), then the tasks by ascending pk
            for task_id, (lab_id, progress, phase, cancelable) in sorted(pending.items()):
                Task.objects.filter(pk=task_id, state__in=ACTIVE).update(
                    progress=progress, phase=phase[:200], cancelable=cancelable)
                moving.setdefault(lab_id, set()).add(task_id)
            for lab_id, until in processed.items():
                Lab.objects.filter(pk=lab_id).update(sim_processed=until)

        try:
            in_lab_transaction({lab_id for lab_id, *_ in pending.values()} | set(processed), work)
        except LabBusy:
            # progress is only shown: the next step writes newer figures
            log.warning("runner: progress not written this step (the database was busy)")
            moving.clear()
            return moving
        for task_id, (_lab_id, *shown) in pending.items():
            if task_id in self.reports:
                self.written[task_id] = tuple(shown)
        return moving

    def lags(self, wall: float) -> dict[int, float]:
        """How far behind its clock each lab of the last step is at wall time `wall` (once its
        batch is out), in wall seconds: what a viewer waits for the simulation (bench/engine.py)."""
        return {lab_id: max(0.0, self.clocks[lab_id].now(wall) - until) / self.clocks[lab_id].speed
                for lab_id, until in self.processed.items()
                if lab_id in self.clocks and not self.clocks[lab_id].paused}

    def _spans(self, processed: dict[int, float]) -> None:
        """Tasks an agent drives (a host's Reboot, Shut Down, standby) move between their steps as
        plans do: a running one whose plan holds a span (from, to, start, end; written by the agent's
        step) shows the progress of the instant each pass reached."""
        if not processed:
            return
        for row in Task.objects.filter(lab_id__in=list(processed), state=TaskState.RUNNING, kind="",
                                       plan__has_key="span").values("pk", "lab_id", "plan", "progress", "phase",
                                                                     "cancelable"):
            span = row["plan"]["span"]
            progress = along(span["from"], span["to"], elapsed(span["start"], span["end"], processed[row["lab_id"]]))
            if progress != row["progress"] and row["pk"] not in self.pending:
                self.pending[row["pk"]] = (row["lab_id"], progress, row["phase"], row["cancelable"])

    def step_safely(self) -> list[tuple[int, dict]]:
        """One step that never raises; returns the batches to publish."""
        close_old_connections()
        self.batches = []
        try:
            self.step()
        except Exception:  # the database was busy or gone: try again next tick
            log.exception("runner step failed; retrying")
        return self.batches

    def run_forever(self, wakeup: threading.Event, tick: float = TICK_S) -> None:
        """The loop without a web server (tests' runner thread): step, publish on this thread's
        own event loop, then wait for a tick or for a service in this process to wake it."""
        loop = asyncio.new_event_loop()
        try:
            while not self.stop.is_set():
                self.step_safely()
                loop.run_until_complete(publisher.publish(self.batches))
                wakeup.wait(tick)
                wakeup.clear()
        finally:
            loop.close()
            connections.close_all()  # this thread's connection: the database may be dropped next
