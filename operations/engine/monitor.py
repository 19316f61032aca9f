"""vCenter's host connection monitor (one agent per host that needs watching: `vc:host-12`).

vpxd expects a heartbeat from each host it manages; a host that is down, or whose management
network is cut, stays "Connected" in vCenter until no heartbeat has come for
HEARTBEAT_TIMEOUT_S, then turns "Not Responding" (HostNotRespondingEvent), and its VMs show
"(disconnected)". When vCenter hears from it again (cable back while the host is up, or the host
up again after a boot) it is "Connected" at once (HostConnectedEvent). A host powered on again
after a power failure or a crash boots for BOOT_S before ESXi is up.

Heartbeats are computed, not simulated: one timer at the instant the heartbeats stopped + the
timeout, not an event per host per second; a host that is fine has no agent row at all.

States: idle (rest: nothing to watch), unreachable (heartbeats stopped, vCenter still shows it
connected), not-responding, booting. The data holds the host's id, `silent_since` (when the
heartbeats stopped, while vCenter has not yet given up on it) and `boot_until` (when ESXi is up).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import agents
from .agents import Agent, Transition
from .changes import Change, HostBooting, HostDown, ManagementLost, ManagementRestored

HEARTBEAT_TIMEOUT_S = 60.0  # [sec] vpxd's heartbeat timeout (config.vpxd.heartbeat.notrespondingtimeout)
BOOT_S = 120.0  # [model] power-on to ESXi up: BIOS POST, ESXi's loader and services

KIND = "vc.host-monitor"
IDLE, UNREACHABLE, NOT_RESPONDING, BOOTING = "idle", "unreachable", "not-responding", "booting"
CONNECTED, NOT_RESPONDING_STATE, DISCONNECTED = "connected", "notResponding", "disconnected"  # Host.connection_state

# the effects this agent asks for (operations/services/monitor.py applies them)
HOST_NOT_RESPONDING, HOST_CONNECTED, HOST_UP = "host-not-responding", "host-connected", "host-up"


@dataclass(frozen=True)
class HostView:
    """What the monitor reads of its host: the physical truth and vCenter's view of it."""

    up: bool  # ESXi runs (powered on and booted)
    management: bool  # its management network reaches vCenter
    connection: str  # vCenter's view: connected, notResponding, disconnected
    standby: bool = False  # in standby mode: vCenter put it there and expects no heartbeat


def key(host_id: int) -> str:
    return f"vc:host-{host_id}"


def host_of(agent_key: str) -> int:
    return int(agent_key.removeprefix("vc:host-"))


class HostMonitor:
    name = KIND
    rest = IDLE

    def concerned(self, change: Change) -> list[str]:
        if isinstance(change, (HostDown, HostBooting, ManagementLost, ManagementRestored)):
            return [key(change.host)]
        return []

    def initial(self, agent_key: str) -> Agent:
        return Agent(agent_key, KIND, IDLE, 0.0, {"host": host_of(agent_key), "silent_since": None, "boot_until": None})

    def timers(self, agent: Agent) -> list[tuple[float, str]]:
        found = []
        if agent.data.get("silent_since") is not None:
            found.append((agent.data["silent_since"] + HEARTBEAT_TIMEOUT_S, "heartbeat"))
        if agent.data.get("boot_until") is not None:
            found.append((agent.data["boot_until"], "booted"))
        return found

    def on_change(self, agent: Agent, change: Change, now: float, view: HostView) -> Transition | None:
        data = dict(agent.data)
        effects = []
        if isinstance(change, (HostDown, ManagementLost)):
            if isinstance(change, HostDown):
                data["boot_until"] = None  # power lost again while booting
            if view.connection == CONNECTED and data["silent_since"] is None and not view.standby:
                data["silent_since"] = now  # the heartbeats stop now; vCenter notices after the timeout
        elif isinstance(change, HostBooting):
            data["boot_until"] = now + BOOT_S
        elif isinstance(change, ManagementRestored):
            if not (view.up and view.management):
                return None  # nothing to hear from until the host is up and reachable
            data["silent_since"] = None
            if view.connection == NOT_RESPONDING_STATE:
                effects.append((HOST_CONNECTED, {"host": data["host"]}))
        return self._settle(agent, data, effects, view)

    def on_timer(self, agent: Agent, name: str, now: float, view: HostView) -> Transition | None:
        data = dict(agent.data)
        effects = []
        if name == "heartbeat":
            data["silent_since"] = None
            if view.connection == CONNECTED:
                effects.append((HOST_NOT_RESPONDING, {"host": data["host"]}))
        elif name == "booted":
            data["boot_until"] = None
            effects.append((HOST_UP, {"host": data["host"]}))
            if view.management:
                data["silent_since"] = None  # heartbeats again
                if view.connection == NOT_RESPONDING_STATE:
                    effects.append((HOST_CONNECTED, {"host": data["host"]}))
        return self._settle(agent, data, effects, view)

    def _settle(self, agent: Agent, data: dict, effects: list, view: HostView) -> Transition:
        """The state that the data and vCenter's view (after the effects) mean."""
        connection = view.connection
        for name, _ in effects:
            connection = {HOST_NOT_RESPONDING: NOT_RESPONDING_STATE, HOST_CONNECTED: CONNECTED}.get(name, connection)
        if data["boot_until"] is not None:
            state = BOOTING
        elif data["silent_since"] is not None:
            state = UNREACHABLE
        elif connection == NOT_RESPONDING_STATE:
            state = NOT_RESPONDING
        else:
            state = IDLE
        return Transition(state, tuple(effects), data)


MONITOR = HostMonitor()
agents.register(MONITOR)
