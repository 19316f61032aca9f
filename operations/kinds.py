"""The timed operations the runner knows, by Task.kind, and what each does on the database side:
re-check and plan when it begins, commit when it ends, record its failure, and say what it
depends on so that it reacts at once when that changes (docs/architecture.md "Reactive engine")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .engine.changes import Change, common_reaction
from .engine.timeline import Plan


@dataclass(frozen=True)
class Dependencies:
    """What a task depends on: each key (`host:12`, `vm:5`, `datastore:3`) with its role there
    ("source", "destination", "host", "vm", "datastore"...), and the names its messages use."""

    keys: dict[str, str] = field(default_factory=dict)
    facts: dict = field(default_factory=dict)


def _no_reaction(role: str, change: Change, facts: dict) -> str | None:
    return common_reaction(role, change)


@dataclass(frozen=True)
class Kind:
    # Re-check the inventory as the operation begins and return the plan's inputs (stored in
    # the task, JSON); raise a VimFault to fail the task instead. Args: task, now, sharing.
    begin: Callable[..., dict]
    # The plan from the stored inputs: the same plan again when a restarted runner resumes.
    plan: Callable[..., Plan]
    # Apply the operation's result at its end (in the transaction that marks the task done);
    # raise a VimFault to fail it instead. Args: task, commit, facts, now. May return the engine
    # Changes it made (a VM powered off...), which are dispatched in that transaction.
    commit: Callable[..., list[Change] | None]
    # Log the failure as an event. Args: task, message, now.
    failed: Callable[..., None]
    # Limited resources the operation holds while it runs: key -> capacity. Args: task.
    needs: Callable[..., dict[str, int]] = lambda task: {}
    # What the task (queued or running) depends on. Args: task (DB side, from its params).
    depends: Callable[..., Dependencies] = lambda task: Dependencies()
    # Pure (the engine's): the failure message when `change` reaches a key of the task in `role`,
    # or None. Args: role, change, facts (Dependencies.facts).
    react: Callable[[str, Change, dict], str | None] = _no_reaction


KINDS: dict[str, Kind] = {}


def register(name: str, kind: Kind) -> None:
    KINDS[name] = kind


def kind(name: str) -> Kind:
    """The kind registered under `name` (OperationsConfig.ready imports every module that
    registers one, in every process: web, simworker, tests)."""
    return KINDS[name]
