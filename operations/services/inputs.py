"""Inputs: what comes into a lab's simulation from outside at a simulated instant (operations.Input).

A service writes one with `input_write` (inside its lab's locked transaction: the pk order is the
order of application) and the runner is woken once it commits. The runner applies each at its
instant through the applier registered for its kind (`register_input`): the applier makes the
physical changes, records the events, and returns an `Applied` (the input's result and the
engine Changes it caused); the runner dispatches the Changes (operations/services/reactions.py)
in the same transaction and marks the input applied. An applier never raises for a refusal it
finds only then (the host was removed meanwhile, a restore of a fault no longer active): it
returns a result saying why ("ignored: ...") and records an info event.

Kinds now: `fault.start`, `fault.end`, `host.power-on` (operations/services/faults.py),
`host.command` (operations/services/host_commands.py), `scenario.command` and `scenario.expect`
(operations/services/scenarios.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from django.db import transaction

from inventory.models import Lab
from operations.engine.changes import Change
from operations.models import Input
from operations.wakeup import wake

from .records import sim_now


@dataclass
class Applied:
    result: str = ""  # "" when applied as asked
    changes: list[Change] = field(default_factory=list)


INPUT_KINDS: dict[str, Callable[[Input, float], Applied]] = {}


def register_input(kind: str, apply: Callable[[Input, float], Applied]) -> None:
    INPUT_KINDS[kind] = apply


def input_write(*, lab: Lab, kind: str, payload: dict, user, at: float | None = None) -> Input:
    """Write an input to apply at `at` (default: now, or the instant the runner is applying).
    Call it inside the lab's locked transaction (the services' `lab_write`)."""
    assert transaction.get_connection().in_atomic_block, "inputs are written inside the lab's transaction"
    lab = Lab.objects.get(pk=lab.pk)  # its clock as committed: the caller's copy may be older
    record = Input.objects.create(
        lab=lab, at=sim_now(lab) if at is None else at, kind=kind, payload=payload,
        initiator=user, initiator_name=user.get_username() if user is not None else "System",
    )
    transaction.on_commit(wake)
    return record
