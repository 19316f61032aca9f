"""Standing agents: state machines that live beside tasks (vCenter's host connection monitor now;
HA's and FT's agents later), pure like the rest of the engine.

An agent is one row per key (`vc:host-12`, later `ha:domain-c7`, `ft:vm-42`): its kind, its
state, the simulated instant it entered that state, and its data (JSON). Its kind says, from the
state and data alone, when its timers are due (`timers`), and what it does when one is due
(`on_timer`) or when a Change concerns it (`on_change`): a Transition to a new state with the
effects the runner must apply (named effects of operations/services/effects.py, each returning
the Changes it caused, which are dispatched in turn). The runner applies the effects and saves
the row (state, entered = now when the state changes, due = its earliest timer) in ONE
transaction; an agent back in its kind's `rest` state with no timer has nothing to remember and
its row is deleted, so a lab where nothing is wrong holds no agents and costs nothing. After a
runner restart the timers are re-armed from the stored rows, so an agent acts at the same
simulated instants as without the restart.

`facts` is what the agent's kind reads of the database when it decides (a small frozen dataclass
its DB side returns; operations/services/reactions.py AGENT_FACTS); None means its object is
gone and the agent is dropped.

To add an agent kind: write its pure kind here in the engine (a class with the attributes of
AgentKind), `register()` it, register its facts reader and its effects on the DB side (see
operations/services/monitor.py), and import that module in OperationsConfig.ready.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from .changes import Change


@dataclass(frozen=True)
class Agent:
    key: str
    kind: str
    state: str
    entered: float
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Transition:
    state: str
    effects: tuple[tuple[str, dict], ...] = ()  # (effect name, its arguments), applied in order
    data: dict | None = None  # the agent's new data (None: unchanged)


class AgentKind(Protocol):
    name: str
    rest: str  # the state with nothing to watch: no row is kept

    def concerned(self, change: Change) -> list[str]:
        """Keys of the agents of this kind that `change` concerns, whether they have a row yet or not."""

    def initial(self, key: str) -> Agent:
        """The agent as it is before it has a row (in its rest state)."""

    def timers(self, agent: Agent) -> list[tuple[float, str]]:
        """(instant, timer name) of every timer the agent has in its state."""

    def on_timer(self, agent: Agent, name: str, now: float, facts: Any) -> Transition | None: ...

    def on_change(self, agent: Agent, change: Change, now: float, facts: Any) -> Transition | None: ...


AGENT_KINDS: dict[str, AgentKind] = {}


def register(kind: AgentKind) -> None:
    AGENT_KINDS[kind.name] = kind


def due(kind: AgentKind, agent: Agent) -> float | None:
    """When the agent's next timer is due, or None."""
    return min((at for at, _ in kind.timers(agent)), default=None)


def next_timer(kind: AgentKind, agent: Agent, now: float) -> str | None:
    """The name of the earliest timer due at `now`, if one is."""
    ready = sorted((at, name) for at, name in kind.timers(agent) if at <= now + 1e-9)
    return ready[0][1] if ready else None


def after(agent: Agent, transition: Transition, now: float) -> Agent:
    """The agent once `transition` is applied at `now`."""
    return replace(
        agent, state=transition.state, entered=now if transition.state != agent.state else agent.entered,
        data=agent.data if transition.data is None else transition.data,
    )
