"""The host command state machine alone (pure: no database): its states, timers and branches."""

from operations.engine.agents import after, due
from operations.engine.changes import HostDown, HostUp
from operations.engine.host_commands import (
    CANNOT_CONTACT, CONNECT_S, HOST_COMMAND, SHUTDOWN_S, HostCommandAsked, HostFacts, key,
)

UP = HostFacts(name="esx01.lab.local", up=True, management=True, connection="connected", running_vms=0)


def start(command: str, now: float = 0.0):
    agent = HOST_COMMAND.initial(key(7))
    transition = HOST_COMMAND.on_change(agent, HostCommandAsked(7, command=command, task=3), now, UP)
    return after(agent, transition, now), transition


def effects(transition) -> list[str]:
    return [name for name, _ in transition.effects]


def test_a_reboot_shuts_down_expects_its_own_going_down_and_ends_when_vcenter_has_it_back():
    agent, transition = start("reboot")
    assert (agent.state, due(HOST_COMMAND, agent)) == ("shutting-down", SHUTDOWN_S)
    down = HOST_COMMAND.on_timer(agent, "shutting-down", SHUTDOWN_S, UP)
    assert effects(down) == ["host-command-record", "host-power-down"]
    agent = after(agent, down, SHUTDOWN_S)
    assert agent.state == "booting" and due(HOST_COMMAND, agent) is None  # the monitor's boot timer
    own = HOST_COMMAND.on_change(agent, HostDown(7), SHUTDOWN_S, UP)
    agent = after(agent, own, SHUTDOWN_S)
    assert agent.state == "booting" and not effects(own)  # the command's own going-down
    end = HOST_COMMAND.on_change(agent, HostUp(7), 150.0, UP)
    assert end.state == "idle" and end.effects[0][1]["state"] == "success"


def test_a_second_going_down_fails_the_reboot():
    agent, _ = start("reboot")
    agent = after(agent, HOST_COMMAND.on_timer(agent, "shutting-down", SHUTDOWN_S, UP), SHUTDOWN_S)
    agent = after(agent, HOST_COMMAND.on_change(agent, HostDown(7), SHUTDOWN_S, UP), SHUTDOWN_S)
    failed = HOST_COMMAND.on_change(agent, HostDown(7), 60.0, UP)
    assert failed.state == "idle"
    assert failed.effects[0][1]["message"] == "Host esx01.lab.local went down; Reboot host did not complete."


def test_connect_branches_on_the_management_network_at_its_instant():
    agent, _ = start("connect")
    assert due(HOST_COMMAND, agent) == CONNECT_S
    ok = HOST_COMMAND.on_timer(agent, "connecting", CONNECT_S, UP)
    assert effects(ok) == ["host-command-record", "host-connected"]
    cut = HostFacts(name="esx01.lab.local", up=True, management=False, connection="disconnected", running_vms=0)
    failed = HOST_COMMAND.on_timer(agent, "connecting", CONNECT_S, cut)
    assert effects(failed) == ["host-command-record"]
    assert failed.effects[0][1]["message"] == CANNOT_CONTACT.format(host="esx01.lab.local")


def test_standby_is_refused_at_its_instant_when_a_vm_was_powered_on_meanwhile():
    agent, _ = start("enter-standby")
    busy = HostFacts(name="esx01.lab.local", up=True, management=True, connection="connected", running_vms=1)
    refused = HOST_COMMAND.on_timer(agent, "entering-standby", 30.0, busy)
    assert effects(refused) == ["host-command-record"] and refused.effects[0][1]["state"] == "error"
