"""Host commands (the host's menu in vSphere Client 4): Disconnect, Connect, Reboot, Shut Down,
Enter and Exit Standby Mode. Maintenance mode stays an instant operation
(inventory/services/tree.py).

`host_command(*, host, command, user)` refuses what vCenter refuses at once and otherwise writes
the task (queued) and an input (`host.command`) at the current instant; the runner applies the
input at its instant (it re-checks: the host may have gone meanwhile) and the command's agent
(operations/engine/host_commands.py) plays it, its effects below. A command that shuts a host down
powers off its running VMs with it; the tasks that depend on the host react to the HostDown as to
a failure (services/reactions.py).
"""

from __future__ import annotations

from django.utils import timezone

from inventory.choices import ConnectionState, HostPowerState, VmPowerState
from inventory.models import Host, Lab
from inventory.rules import Choice, text_problems
from inventory.services.common import refuse
from operations.checks.connection import connection_problems
from operations.engine.changes import UNREACHABLE, Change, HostBooting, HostDisconnected, HostDown
from operations.engine.host_commands import (
    COMMANDS, CONNECT, DISCONNECT, DISCONNECT_HOST, ENTER_STANDBY, EXIT_STANDBY, KIND, POWER_DOWN, RECORD, REBOOT,
    RUNNING_VMS, SHUTDOWN, STANDBY, TASK_NAMES, WAKE, HostCommandAsked, HostFacts, host_of,
)
from operations.faults import InvalidState, ResourceBusy
from operations.models import Input, Task, TaskState

from .effects import lock_hosts, powered_on, register_effect, vms_go_down, where
from .inputs import Applied, input_write, register_input
from .locking import lab_write, reread
from .reactions import register_agent_facts
from .records import event_log, object_context, sim_now, task_failed_event

HOST_COMMAND = Choice("host command", COMMANDS)
INPUT = "host.command"
ACTIVE = (TaskState.QUEUED, TaskState.RUNNING)
MAX_REASON = 200


def active_command(host: Host) -> Task | None:
    """The host command queued or running on `host` (they are the only active tasks without a kind)."""
    return Task.objects.filter(lab_id=host.lab_id, object_moid=host.moid, kind="", state__in=ACTIVE).first()


def _problems(host: Host, command: str) -> list[str]:
    """What vCenter refuses at once, in its words."""
    standby = host.power_state == HostPowerState.STANDBY
    if command == DISCONNECT:
        if host.connection_state == ConnectionState.DISCONNECTED:
            return [f"Host {host.name} is already disconnected."]
        return []
    if command == CONNECT:
        if host.connection_state == ConnectionState.CONNECTED:
            return [f"Host {host.name} is already connected."]
        return []
    problems = connection_problems(host.name, host.connection_state)
    if problems:
        return problems
    if command == EXIT_STANDBY:
        return [] if standby else [f"Host {host.name} is not in standby mode."]
    if standby:
        return [f"The operation is not allowed in the current state. Host {host.name} is in standby mode."]
    if command == ENTER_STANDBY:
        running = host.vms.filter(power_state=VmPowerState.POWERED_ON).count()
        if running:
            return [RUNNING_VMS.format(host=host.name, count=running)]
    return []


@lab_write("host")
def host_command(*, host: Host, command: str, user, reason: str = "") -> Task:
    """Run a host command (one of COMMANDS) as vCenter does: refused at once when vCenter refuses
    it (a host not connected: the connection rule; standby only without powered-on VMs; one
    command at a time on a host), otherwise a task that the simulation plays from this instant.
    `reason`: what Reboot and Shut Down log (vSphere asks for one)."""
    refuse(HOST_COMMAND.problems(command), text_problems(reason, subject="The reason", max_length=MAX_REASON))
    host = reread(host, "datacenter", "lab")
    running = active_command(host)
    if running is not None:
        raise ResourceBusy(f"Another task is already in progress: {running.name} on {host.name} ({running.moid}, "
                           f"{running.get_state_display().lower()}). Wait for it to finish.")
    problems = _problems(host, command)
    if problems:
        raise InvalidState(*problems)
    lab = host.lab
    task = Task.objects.create(
        lab=lab, name=TASK_NAMES[command], params={"command": command, "host": host.pk, "reason": reason},
        initiator=user, initiator_name=user.get_username() if user is not None else "System",
        **object_context(host), state=TaskState.QUEUED, queued_sim=sim_now(lab),
    )
    input_write(lab=lab, kind=INPUT, payload={"command": command, "host": host.pk, "task": task.pk, "reason": reason},
                user=user)
    return task


def host_disconnect(*, host: Host, user) -> Task:
    return host_command(host=host, command=DISCONNECT, user=user)


def host_connect(*, host: Host, user) -> Task:
    return host_command(host=host, command=CONNECT, user=user)


def host_reboot(*, host: Host, user, reason: str = "") -> Task:
    return host_command(host=host, command=REBOOT, user=user, reason=reason)


def host_shutdown(*, host: Host, user, reason: str = "") -> Task:
    return host_command(host=host, command=SHUTDOWN, user=user, reason=reason)


def host_enter_standby(*, host: Host, user) -> Task:
    return host_command(host=host, command=ENTER_STANDBY, user=user)


def host_exit_standby(*, host: Host, user) -> Task:
    return host_command(host=host, command=EXIT_STANDBY, user=user)


# --- applying them (the runner, at their instant, in its transaction) ----------------------------

def _fail(task: Task, message: str, now: float) -> None:
    task.state, task.error_message, task.cancelable = TaskState.ERROR, message, False
    task.completed_sim, task.completed_at = now, timezone.now()
    task.save(update_fields=["state", "error_message", "cancelable", "completed_sim", "completed_at"])
    task_failed_event(task=task, message=message, at=now)


def _apply(record: Input, now: float) -> Applied:
    """The command reaches vCenter: re-check what may have changed since it was asked (the host
    removed, vCenter lost it, it cannot be reached), then start its agent."""
    p = record.payload
    task = Task.objects.select_for_update(of=("self",)).filter(pk=p["task"]).first()
    if task is None or not task.is_active:
        return Applied("ignored: its task is no longer active")
    host = Host.objects.select_related("datacenter").filter(lab_id=record.lab_id, pk=p["host"]).first()
    if host is None:
        _fail(task, "The host is no longer in the inventory.", now)
        return Applied("failed: the host is no longer in the inventory")
    command = p["command"]
    problems = _problems(host, command)
    if not problems and command in (REBOOT, SHUTDOWN, ENTER_STANDBY) and not host.reachable:
        problems = [UNREACHABLE]  # vCenter has not noticed yet: the command fails as it reaches the host
    if not problems and command == EXIT_STANDBY and not host.management_connected:
        problems = [UNREACHABLE]
    if problems:
        _fail(task, " ".join(problems), now)
        return Applied(f"failed: {' '.join(problems)}")
    task.state, task.started_sim, task.started_at = TaskState.RUNNING, now, timezone.now()
    task.save(update_fields=["state", "started_sim", "started_at"])
    return Applied("", [HostCommandAsked(host.pk, command=command, task=task.pk, reason=p.get("reason", ""))])


def host_facts(lab_id: int, agent_key: str) -> HostFacts | None:
    host = Host.objects.filter(lab_id=lab_id, pk=host_of(agent_key)).first()
    if host is None:
        return None
    return HostFacts(name=host.name, up=host.power_state == HostPowerState.POWERED_ON,
                     management=host.management_connected, connection=host.connection_state,
                     running_vms=host.vms.filter(power_state=VmPowerState.POWERED_ON).count())


# --- the agent's effects ------------------------------------------------------------------------

EVENTS = {  # the events of a command's steps, as vCenter logs them: (type, message, severity)
    ("reboot", "running", 0): ("HostShutdownEvent", "Shut down of {where} for a reboot: {reason}", "info"),
    ("shutdown", "running", 0): ("HostShutdownEvent", "Shut down of {where}: {reason}", "info"),
    ("enter-standby", "running", 0): ("EnteringStandbyModeEvent", "The host {host} is entering standby mode", "info"),
    ("enter-standby", "success", None): ("EnteredStandbyModeEvent", "The host {host} is in standby mode", "info"),
    ("exit-standby", "running", 0): ("ExitingStandbyModeEvent", "The host {host} is exiting standby mode", "info"),
    ("exit-standby", "success", None): ("ExitedStandbyModeEvent", "The host {host} is no longer in standby mode",
                                        "info"),
    ("reboot", "success", None): ("GeneralHostInfoEvent", "Host {where} rebooted and is connected", "info"),
    ("connect", "running", 0): ("GeneralHostInfoEvent", "Reconnecting {where}", "info"),
}


def task_record(*, lab: Lab, now: float, task: int, state: str, progress: int | None = None, phase: str = "",
                message: str = "", toward: tuple[int, float] | None = None) -> list[Change]:
    """Write a host command's progress, or its end, and the event vCenter logs for that step.
    `toward`: where the step's progress goes and by when; kept in the task's plan as its span, which
    the runner reads at every pass (Runner._spans)."""
    found = Task.objects.filter(pk=task, state__in=ACTIVE).first()
    if found is None:
        return []
    command = found.params.get("command", "")
    if state == "running":
        found.progress, found.phase = progress or 0, phase
        plan = {k: v for k, v in (found.plan or {}).items() if k != "span"}
        if toward is not None:
            plan["span"] = {"start": now, "end": toward[1], "from": progress or 0, "to": toward[0]}
        found.plan = plan
        found.save(update_fields=["progress", "phase", "plan"])
    elif state == "success":
        found.state, found.progress, found.phase = TaskState.SUCCESS, 100, ""
        found.completed_sim, found.completed_at = now, timezone.now()
        found.save(update_fields=["state", "progress", "phase", "completed_sim", "completed_at"])
    else:
        _fail(found, message, now)
    host = Host.objects.select_related("datacenter").filter(pk=found.params.get("host")).first()
    if state == "running" and not progress and host is not None:  # vCenter logs every task it starts
        event_log(lab=lab, type="TaskEvent", target=host, task=found, at=now, user=found.initiator,
                  message=f"Task: {found.name}")
    spec = EVENTS.get((command, state, progress if state == "running" else None))
    if spec is not None and host is not None:
        kind, text, severity = spec
        reason = found.params.get("reason") or "no reason given"
        event_log(lab=lab, type=kind, target=host, severity=severity, task=found, at=now,
                  user=found.initiator, message=text.format(where=where(host), host=host.name, reason=reason))
    return []


def host_disconnect_effect(*, lab: Lab, now: float, host: int) -> list[Change]:
    """vCenter stops managing the host: Disconnected, its VMs "(disconnected)"; its connection
    monitor no longer watches it (engine/monitor.py acts only on hosts vCenter sees connected)."""
    found = lock_hosts([host]).get(host)
    if found is None or found.connection_state == ConnectionState.DISCONNECTED:
        return []
    found.connection_state = ConnectionState.DISCONNECTED
    found.save(update_fields=["connection_state"])
    event_log(lab=lab, type="HostDisconnectedEvent", target=found, at=now,
              message=f"Disconnected from {where(found)}. Reason: the user disconnected the host")
    return [HostDisconnected(found.pk)]


def host_power_down(*, lab: Lab, now: float, host: int, reboot: bool) -> list[Change]:
    """ESXi stopped (Reboot, Shut Down): the host powers off, its running VMs with it; a reboot
    boots it at once (the monitor plays the boot and reconnects it)."""
    found = lock_hosts([host], with_vms=True).get(host)
    if found is None or not powered_on(found):
        return []
    found.power_state = HostPowerState.POWERED_OFF
    found.save(update_fields=["power_state"])
    why = "its host was rebooted" if reboot else "its host was shut down"
    event_log(lab=lab, type="GeneralHostWarningEvent", target=found, severity="warning", at=now,
              message=f"Host {where(found)} is " + ("rebooting" if reboot else "powered off"))
    changes: list[Change] = [HostDown(found.pk), *vms_go_down(found, why=why, now=now, user=None)]
    return changes + ([HostBooting(found.pk)] if reboot else [])


def host_standby(*, lab: Lab, now: float, host: int) -> list[Change]:
    """The host powers down into standby (no VM runs on it: checked by the agent at this instant)."""
    found = lock_hosts([host]).get(host)
    if found is None or not powered_on(found):
        return []
    found.power_state = HostPowerState.STANDBY
    found.save(update_fields=["power_state"])
    return [HostDown(found.pk)]


def host_wake(*, lab: Lab, now: float, host: int) -> list[Change]:
    """Exit standby: vCenter wakes the host (Wake-on-LAN, IPMI); ESXi boots (engine/monitor.py)."""
    found = lock_hosts([host]).get(host)
    if found is None or found.power_state != HostPowerState.STANDBY:
        return []
    return [HostBooting(found.pk)]


register_input(INPUT, _apply)
register_agent_facts(KIND, host_facts)
register_effect(RECORD, task_record)
register_effect(DISCONNECT_HOST, host_disconnect_effect)
register_effect(POWER_DOWN, host_power_down)
register_effect(STANDBY, host_standby)
register_effect(WAKE, host_wake)
