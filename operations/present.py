"""An event as JSON, one shape for the API's event list and the live batches' events (the
publisher sits below the API, so the shape lives here, below both)."""

from __future__ import annotations

import datetime as dt

from inventory.models.lab import SIM_EPOCH


def sim_time(seconds: float | None) -> dt.datetime | None:
    return None if seconds is None else SIM_EPOCH + dt.timedelta(seconds=seconds)


def event(e) -> dict:
    return {
        "seq": e.seq, "time": sim_time(e.sim_seconds), "wall_time": e.wall_time, "type": e.type,
        "severity": e.severity, "message": e.message, "user": e.user_name, "object": e.object_moid,
        "object_name": e.object_name, "host": e.host_moid, "cluster": e.cluster_moid, "datacenter": e.datacenter_moid,
        "task": f"task-{e.task_id}" if e.task_id else None,
    }
