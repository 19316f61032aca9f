"""What happens at one simulated instant, applied in the runner's transaction (the lab's lock
held): an input (operations/services/inputs.py), an agent's timer, or the Changes a task's commit
made. The Changes are dispatched until none is left:

- every active task (queued or running) whose dependencies (its Kind's `depends`) a Change touches
  asks its kind's pure `react` for a failure message; if there is one, the task fails here (state,
  message, its kind's failure event) and the runner then stops its process silently;
- every agent the Change concerns (engine/agents.py) takes its transition: the runner applies its
  effects (operations/services/effects.py), whose Changes are dispatched in turn, and saves its row.

The result (`Outcome`) tells the runner, once the transaction has committed, which processes to
abandon and which agent timers to re-arm. Nothing here is remembered outside the database: if the
transaction fails, the runner forgets the lab and replays it from the database.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from django.utils import timezone

from inventory.models import Lab
from operations.engine.agents import AGENT_KINDS, Agent as AgentState, AgentKind, after, due, next_timer
from operations.engine.changes import Change
from operations.kinds import Dependencies, kind as kind_of
from operations.models import Agent, Input, Task, TaskState

from .effects import apply_effect
from .inputs import INPUT_KINDS, Applied

log = logging.getLogger(__name__)

ACTIVE = (TaskState.QUEUED, TaskState.RUNNING)
MAX_CHANGES = 10_000  # a loop between agents would be a defect: stop it, say so in the log
AGENT_FACTS: dict[str, Callable[[int, str], Any]] = {}


def register_agent_facts(kind_name: str, reader: Callable[[int, str], Any]) -> None:
    """The DB side of an agent kind: what it reads of the database to decide (None: its object is
    gone, the agent is dropped)."""
    AGENT_FACTS[kind_name] = reader


@dataclass
class Outcome:
    failed: dict[int, str] = field(default_factory=dict)  # task id -> its failure message
    timers: dict[str, float | None] = field(default_factory=dict)  # agent key -> its next timer (None: none)


def _active_tasks(lab_id: int) -> list[Task]:
    """The lab's active timed tasks, locked first (Task comes first after the lab in the lock order)."""
    return list(Task.objects.select_for_update(of=("self",)).filter(lab_id=lab_id, state__in=ACTIVE)
                .exclude(kind="").order_by("pk"))


def apply_input(record: Input, now: float) -> Outcome:
    """Apply one input at `now` and everything it causes; mark it applied with its result."""
    tasks = _active_tasks(record.lab_id)
    applier = INPUT_KINDS.get(record.kind)
    applied = applier(record, now) if applier is not None else Applied(f"ignored: unknown input kind {record.kind}")
    record.applied, record.applied_sim, record.result = True, now, applied.result
    record.save(update_fields=["applied", "applied_sim", "result"])
    return dispatch(record.lab, applied.changes, now, tasks=tasks)


def agent_timer(lab: Lab, key: str, now: float) -> Outcome:
    """Agent `key`'s timer is due at `now`: its transition, its effects and what they cause."""
    row = Agent.objects.filter(lab=lab, key=key).first()
    outcome = Outcome()
    if row is None or row.due_sim is None or row.due_sim > now + 1e-9:
        return outcome  # stale: the agent moved on meanwhile
    tasks = _active_tasks(lab.pk)
    agent_kind = AGENT_KINDS[row.kind]
    agent = AgentState(row.key, row.kind, row.state, row.entered_sim, row.data)
    name = next_timer(agent_kind, agent, now)
    changes = _step_agent(lab, agent_kind, row, agent, now, outcome, ("timer", name)) if name else []
    return dispatch(lab, changes, now, tasks=tasks, outcome=outcome)


def dispatch(lab: Lab, changes: list[Change], now: float, *, tasks: list[Task] | None = None,
             outcome: Outcome | None = None, exclude: tuple[int, ...] = ()) -> Outcome:
    """Make the lab's active tasks and agents react to `changes`, and to the Changes that causes."""
    outcome = outcome or Outcome()
    queue = deque(changes)
    if not queue:
        return outcome
    tasks = [t for t in (_active_tasks(lab.pk) if tasks is None else tasks) if t.pk not in exclude]
    dependencies: dict[int, Dependencies] = {}
    handled = 0
    while queue:
        change = queue.popleft()
        handled += 1
        if handled > MAX_CHANGES:
            log.error("lab %s: more than %d changes at %s; the rest are dropped", lab.pk, MAX_CHANGES, now)
            break
        for task in tasks:
            if task.pk in outcome.failed:
                continue
            message = _reaction(task, change, dependencies)
            if message:
                _fail(task, message, now)
                outcome.failed[task.pk] = message
        for agent_kind in AGENT_KINDS.values():
            for key in agent_kind.concerned(change):
                row = Agent.objects.filter(lab=lab, key=key).first()
                agent = (AgentState(row.key, row.kind, row.state, row.entered_sim, row.data) if row is not None
                         else agent_kind.initial(key))
                queue.extend(_step_agent(lab, agent_kind, row, agent, now, outcome, ("change", change)))
    return outcome


def _reaction(task: Task, change: Change, dependencies: dict[int, Dependencies]) -> str | None:
    operation = kind_of(task.kind)
    if task.pk not in dependencies:
        try:
            dependencies[task.pk] = operation.depends(task)
        except Exception:  # its objects are gone: its begin or commit says so with the reason
            log.exception("task %s: cannot read what it depends on", task.pk)
            dependencies[task.pk] = Dependencies()
    found = dependencies[task.pk]
    for key in sorted(change.keys & found.keys.keys()):
        message = operation.react(found.keys[key], change, found.facts)
        if message:
            return message
    return None


def _fail(task: Task, message: str, now: float) -> None:
    task.state, task.error_message, task.cancelable = TaskState.ERROR, message, False
    task.completed_sim, task.completed_at = now, timezone.now()
    task.save(update_fields=["state", "error_message", "cancelable", "completed_sim", "completed_at"])
    kind_of(task.kind).failed(task, message, now)


def _step_agent(lab: Lab, agent_kind: AgentKind, row: Agent | None, agent: AgentState, now: float,
                outcome: Outcome, cause: tuple[str, object]) -> list[Change]:
    """Let the agent decide on `cause` (("timer", its name) or ("change", the Change)); apply its
    effects; save (or drop) its row. Returns the effects' Changes."""
    facts = AGENT_FACTS[agent_kind.name](lab.pk, agent.key)
    if facts is None:  # its object is gone
        if row is not None:
            row.delete()
        outcome.timers[agent.key] = None
        return []
    what, detail = cause
    if what == "timer":
        transition = agent_kind.on_timer(agent, detail, now, facts)
    else:
        transition = agent_kind.on_change(agent, detail, now, facts)
    if transition is None:
        return []
    changes: list[Change] = []
    for name, args in transition.effects:
        changes.extend(apply_effect(name, lab=lab, now=now, **args))
    new = after(agent, transition, now)
    due_at = due(agent_kind, new)
    if new.state == agent_kind.rest and due_at is None:
        if row is not None:
            row.delete()
    else:
        Agent.objects.update_or_create(lab=lab, key=new.key, defaults={
            "kind": new.kind, "state": new.state, "entered_sim": new.entered, "due_sim": due_at, "data": new.data})
    outcome.timers[agent.key] = due_at
    return changes
