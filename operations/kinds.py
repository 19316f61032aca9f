"""The timed operations the runner knows, by Task.kind, and what each does on the database side:
re-check and plan when it begins, commit when it ends, record its failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .engine.timeline import Plan


@dataclass(frozen=True)
class Kind:
    # Re-check the inventory as the operation begins and return the plan's inputs (stored in
    # the task, JSON); raise a VimFault to fail the task instead. Args: task, now, sharing.
    begin: Callable[..., dict]
    # The plan from the stored inputs: the same plan again when a restarted runner resumes.
    plan: Callable[..., Plan]
    # Apply the operation's result at its end (in the transaction that marks the task done);
    # raise a VimFault to fail it instead. Args: task, commit, facts, now.
    commit: Callable[..., None]
    # Log the failure as an event. Args: task, message, now.
    failed: Callable[..., None]
    # Limited resources the operation holds while it runs: key -> capacity. Args: task.
    needs: Callable[..., dict[str, int]] = lambda task: {}


KINDS: dict[str, Kind] = {}


def register(name: str, kind: Kind) -> None:
    KINDS[name] = kind


def kind(name: str) -> Kind:
    """The kind registered under `name` (OperationsConfig.ready imports every module that
    registers one, in every process: web, simworker, tests)."""
    return KINDS[name]
