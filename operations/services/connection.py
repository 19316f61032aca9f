"""The connection rule as services apply it (operations/checks/connection.py says the rule).

- `require_connected(host)`: refuse at once when vCenter does not see the host connected. Every
  service that acts on a host or on one of its VMs calls it first (the timed ones when they are
  asked; Migrate through its checks, for both hosts).
- `unreachable(host)`: the message of an operation that reaches a host vCenter cannot talk to
  (its management network is cut, it is down, or vCenter lost it): a timed task's begin and
  commit fail with it, and an instant operation (it reaches the host at once) is refused with it.
"""

from __future__ import annotations

from inventory.models import Host
from operations.checks.connection import connection_problems
from operations.engine.changes import UNREACHABLE
from operations.faults import InvalidState


def require_connected(host: Host) -> None:
    problems = connection_problems(host.name, host.connection_state)
    if problems:
        raise InvalidState(*problems)


def unreachable(host: Host) -> str | None:
    if host.connection_state != "connected" or not host.reachable:
        return UNREACHABLE
    return None


def require_reachable(host: Host) -> None:
    message = unreachable(host)
    if message:
        raise InvalidState(message)


def require_manageable(host: Host) -> None:
    """An instant operation on the host or one of its VMs: refused when vCenter sees the host
    not connected, and failing when it cannot reach it (vCenter has not noticed yet)."""
    require_connected(host)
    require_reachable(host)
