"""vCenter's host connection monitor, database side (the state machine: operations/engine/monitor.py):
what it reads of a host, and its effects, with the events vCenter records."""

from __future__ import annotations

from inventory.choices import ConnectionState, HostPowerState
from inventory.models import Host, Lab
from operations.engine.changes import Change, HostConnected, HostNotResponding, HostUp
from operations.engine.monitor import HOST_CONNECTED, HOST_NOT_RESPONDING, HOST_UP, KIND, HostView, host_of

from .effects import lock_hosts, register_effect, where
from .reactions import register_agent_facts
from .records import event_log


def host_view(lab_id: int, agent_key: str) -> HostView | None:
    host = Host.objects.filter(lab_id=lab_id, pk=host_of(agent_key)).first()
    if host is None:
        return None
    return HostView(up=host.power_state == HostPowerState.POWERED_ON, management=host.management_connected,
                    connection=host.connection_state, standby=host.power_state == HostPowerState.STANDBY)


def _locked(host_id: int) -> Host | None:
    return lock_hosts([host_id]).get(host_id)


def host_not_responding(*, lab: Lab, now: float, host: int) -> list[Change]:
    """vpxd's heartbeat timeout passed: the host is Not Responding, its VMs "(disconnected)"."""
    found = _locked(host)
    if found is None or found.connection_state != ConnectionState.CONNECTED:
        return []
    found.connection_state = ConnectionState.NOT_RESPONDING
    found.save(update_fields=["connection_state"])
    event_log(lab=lab, type="HostNotRespondingEvent", target=found, severity="error", at=now,
              message=f"Host {where(found)} is not responding")
    return [HostNotResponding(found.pk)]


def host_connected(*, lab: Lab, now: float, host: int) -> list[Change]:
    """vCenter hears from the host again."""
    found = _locked(host)
    if found is None or found.connection_state == ConnectionState.CONNECTED:
        return []
    found.connection_state = ConnectionState.CONNECTED
    found.save(update_fields=["connection_state"])
    event_log(lab=lab, type="HostConnectedEvent", target=found, at=now, message=f"Connected to {where(found)}")
    return [HostConnected(found.pk)]


def host_up(*, lab: Lab, now: float, host: int) -> list[Change]:
    """ESXi finished booting: the host runs again (its VMs stay powered off: nothing restarts them
    without HA)."""
    found = _locked(host)
    if found is None or found.power_state == HostPowerState.POWERED_ON:
        return []
    found.power_state = HostPowerState.POWERED_ON
    found.save(update_fields=["power_state"])
    event_log(lab=lab, type="GeneralHostInfoEvent", target=found, at=now,
              message=f"Host {where(found)} finished booting: ESXi is up")
    return [HostUp(found.pk)]


register_agent_facts(KIND, host_view)
register_effect(HOST_NOT_RESPONDING, host_not_responding)
register_effect(HOST_CONNECTED, host_connected)
register_effect(HOST_UP, host_up)
