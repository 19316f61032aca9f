"""Host commands as vSphere Client 4 has them (Disconnect, Connect, Reboot, Shut Down, Enter and
Exit Standby Mode): one agent per host while a command runs (`hc:host-12`), a pure state machine
like vCenter's host connection monitor (engine/monitor.py), so that a command that branches
while it runs resumes after a runner restart at the same simulated instants (its state, the
instant it entered it and its next timer are rows; engine/agents.py).

A command starts when its input is applied (operations/services/host_commands.py writes it and
the task; the applier sends `HostCommandAsked`). Then, by command:

- disconnect: DISCONNECT_S later vCenter stops managing the host (`host-disconnect`).
- connect: CONNECT_S later vCenter has tried to reach the host: connected if the host runs and its
  management network reaches vCenter at that instant, else the task fails with vSphere's
  "Cannot contact the specified host".
- reboot: SHUTDOWN_S later the host is down (its running VMs with it) and boots at once; the
  monitor plays the boot (BOOT_S) and reconnects it if its management network is up then; the task
  ends when ESXi is up: done if vCenter is connected to it, failed ("Cannot contact") if not.
- shutdown: SHUTDOWN_S later the host is powered off; the task is done (the lab's "Power on"
  brings it back, as after a power failure).
- enter-standby: STANDBY_S later, if no VM runs on the host, it powers down into standby.
- exit-standby: the host is woken at once and boots (the monitor's BOOT_S); done when ESXi is up.

A host that goes down while its command shuts it down, boots it or puts it in standby fails
the task ("Host {h} went down; {task} did not complete."), except the going-down the command
itself caused (`expect_down`).

States: idle (rest), disconnecting, connecting, shutting-down, booting, entering-standby,
exiting-standby. Data: host, task, command, task name, reason, due (the state's timer, or None
while it waits for the host to boot), expect_down.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import agents
from .agents import Agent, Transition
from .changes import HostChange, HostDown, HostUp
from .monitor import BOOT_S, CONNECTED

KIND = "vc.host-command"
DISCONNECT, CONNECT, REBOOT, SHUTDOWN, ENTER_STANDBY, EXIT_STANDBY = (
    "disconnect", "connect", "reboot", "shutdown", "enter-standby", "exit-standby")
COMMANDS = (DISCONNECT, CONNECT, REBOOT, SHUTDOWN, ENTER_STANDBY, EXIT_STANDBY)
TASK_NAMES = {  # vSphere Client 4's Recent Tasks
    DISCONNECT: "Disconnect host", CONNECT: "Reconnect host", REBOOT: "Reboot host", SHUTDOWN: "Shut down host",
    ENTER_STANDBY: "Enter standby mode", EXIT_STANDBY: "Exit standby mode",
}

DISCONNECT_S = 2.0  # [model] vCenter stops its agent on the host and forgets its sessions
CONNECT_S = 10.0  # [model] vCenter contacts the host and pushes its agent's configuration
SHUTDOWN_S = 30.0  # [model] ESXi stops its services and powers off (reboot or shut down)
STANDBY_S = 30.0  # [model] the host saves its state and powers down into standby

CANNOT_CONTACT = ("Cannot contact the specified host ({host}). The host may not be available on the network, a "
                  "network configuration problem may exist, or the management services on this host may not be "
                  "responding.")
WENT_DOWN = "Host {host} went down; {task} did not complete."
RUNNING_VMS = ("Host {host} has {count} powered-on virtual machine(s): power them off or migrate them before it "
               "enters standby mode.")

IDLE, DISCONNECTING, CONNECTING, SHUTTING_DOWN, BOOTING, ENTERING_STANDBY, EXITING_STANDBY = (
    "idle", "disconnecting", "connecting", "shutting-down", "booting", "entering-standby", "exiting-standby")
FIRST = {DISCONNECT: (DISCONNECTING, DISCONNECT_S, "Disconnecting"), CONNECT: (CONNECTING, CONNECT_S, "Connecting"),
         REBOOT: (SHUTTING_DOWN, SHUTDOWN_S, "Shutting down"), SHUTDOWN: (SHUTTING_DOWN, SHUTDOWN_S, "Shutting down"),
         ENTER_STANDBY: (ENTERING_STANDBY, STANDBY_S, "Entering standby mode"),
         EXIT_STANDBY: (EXITING_STANDBY, None, "Waking the host; ESXi boots")}
DOWN_FAILS = (SHUTTING_DOWN, BOOTING, ENTERING_STANDBY, EXITING_STANDBY)  # states that need the host up or booting

# the effects this agent asks for (operations/services/host_commands.py applies them; host-connected
# is the monitor's, operations/services/monitor.py)
RECORD, DISCONNECT_HOST, POWER_DOWN, STANDBY, WAKE, CONNECT_HOST = (
    "host-command-record", "host-disconnect", "host-power-down", "host-standby", "host-wake", "host-connected")


@dataclass(frozen=True)
class HostCommandAsked(HostChange):
    """A host command's input was applied: its task runs now."""

    command: str = ""
    task: int = 0
    reason: str = ""


@dataclass(frozen=True)
class HostFacts:
    """What a host command reads of its host when it decides."""

    name: str
    up: bool  # ESXi runs
    management: bool  # its management network reaches vCenter
    connection: str  # vCenter's view
    running_vms: int  # powered-on VMs on it


def key(host_id: int) -> str:
    return f"hc:host-{host_id}"


def host_of(agent_key: str) -> int:
    return int(agent_key.removeprefix("hc:host-"))


def record(data: dict, **what) -> tuple[str, dict]:
    """The effect that writes the task's progress or end (and an event, when given). A running
    step may say where its progress goes and when it gets there (`toward`: (progress, instant)):
    the runner moves the bar between the two at every pass, as it does for plans."""
    return RECORD, {"task": data["task"], **what}


# where each first step's progress goes by its end (a reboot's shutdown is its first 40%)
FIRST_TOWARD = {DISCONNECT: 99, CONNECT: 99, REBOOT: 40, SHUTDOWN: 99, ENTER_STANDBY: 99, EXIT_STANDBY: 99}


class HostCommand:
    name = KIND
    rest = IDLE

    def concerned(self, change) -> list[str]:
        if isinstance(change, (HostCommandAsked, HostDown, HostUp)):
            return [key(change.host)]
        return []

    def initial(self, agent_key: str) -> Agent:
        return Agent(agent_key, KIND, IDLE, 0.0, {"host": host_of(agent_key)})

    def timers(self, agent: Agent) -> list[tuple[float, str]]:
        due = agent.data.get("due")
        return [(due, agent.state)] if agent.state != IDLE and due is not None else []

    def on_change(self, agent: Agent, change, now: float, facts: HostFacts) -> Transition | None:
        data = dict(agent.data)
        if isinstance(change, HostCommandAsked):
            if agent.state != IDLE:  # the service refuses a second command; one that got through fails
                return Transition(agent.state, (record({"task": change.task}, state="error", message=(
                    f"Another task is already in progress: {data['name']} on {facts.name}.")),), data)
            state, seconds, phase = FIRST[change.command]
            data = {"host": change.host, "task": change.task, "command": change.command, "reason": change.reason,
                    "name": TASK_NAMES[change.command], "due": None if seconds is None else now + seconds,
                    "expect_down": False}
            until = now + (BOOT_S if seconds is None else seconds)  # exit-standby: ESXi boots
            effects = [record(data, state="running", progress=0, phase=phase,
                              toward=(FIRST_TOWARD[change.command], until))]
            if change.command == EXIT_STANDBY:
                effects.append((WAKE, {"host": change.host}))
            return Transition(state, tuple(effects), data)
        if agent.state == IDLE:
            return None
        if isinstance(change, HostDown):
            if data.get("expect_down"):
                return Transition(agent.state, (), {**data, "expect_down": False})
            if agent.state in DOWN_FAILS:
                return self._end(data, "error", WENT_DOWN.format(host=facts.name, task=data["name"]))
            return None
        if isinstance(change, HostUp) and agent.state in (BOOTING, EXITING_STANDBY):
            if facts.connection != CONNECTED:  # vCenter could not reach it as it came up
                return self._end(data, "error", CANNOT_CONTACT.format(host=facts.name))
            return self._end(data, "success")
        return None

    def on_timer(self, agent: Agent, name: str, now: float, facts: HostFacts) -> Transition | None:
        data = dict(agent.data)
        host = data["host"]
        if agent.state == DISCONNECTING:
            return self._end(data, "success", first=((DISCONNECT_HOST, {"host": host}),))
        if agent.state == CONNECTING:
            if facts.up and facts.management:
                return self._end(data, "success", first=((CONNECT_HOST, {"host": host}),))
            return self._end(data, "error", CANNOT_CONTACT.format(host=facts.name))
        if agent.state == SHUTTING_DOWN:
            down = (POWER_DOWN, {"host": host, "reboot": data["command"] == REBOOT})
            if data["command"] == SHUTDOWN:
                return self._end(data, "success", first=(down,))
            data.update(due=None, expect_down=True)  # the monitor plays the boot; HostUp ends the task
            return Transition(BOOTING, (record(data, state="running", progress=40, phase="Booting ESXi",
                                              toward=(99, now + BOOT_S)), down), data)
        if agent.state == ENTERING_STANDBY:
            if facts.running_vms:
                return self._end(data, "error", RUNNING_VMS.format(host=facts.name, count=facts.running_vms))
            return self._end(data, "success", first=((STANDBY, {"host": host}),))
        return None

    def _end(self, data: dict, state: str, message: str = "", first: tuple = ()) -> Transition:
        """The task ends (done, or failed with `message`); the agent is back at rest. The task is
        written before the host's effects (the lock order: Task, then VMs and hosts)."""
        return Transition(IDLE, (record(data, state=state, message=message), *first), {"host": data["host"]})


HOST_COMMAND = HostCommand()
agents.register(HOST_COMMAND)
