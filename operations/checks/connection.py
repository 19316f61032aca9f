"""The one rule for a host vCenter does not see connected: every operation on it, or on one of
its virtual machines, is refused at once with vCenter's words (Migrate included, for the source
and the destination). Until vCenter notices that a host went down or lost its management network
(engine/monitor.py: the heartbeat timeout), operations are accepted and fail when they reach the
host (engine.changes.UNREACHABLE)."""

from __future__ import annotations

NOT_ALLOWED = "The operation is not allowed in the current connection state of the host."
WHY = {
    "notResponding": "Host {host} is not responding: vCenter has not heard from it for longer than its heartbeat "
                     "timeout.",
    "disconnected": "Host {host} is disconnected: vCenter does not manage it until it is connected again.",
}


def connection_problems(host: str, connection_state: str) -> list[str]:
    """vCenter's refusal (and which host, why) for a host in `connection_state`, or nothing."""
    if connection_state in WHY:
        return [f"{NOT_ALLOWED} {WHY[connection_state].format(host=host)}"]
    return []
