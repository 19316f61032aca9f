"""Host commands (Disconnect, Connect, Reboot, Shut Down, Enter and Exit Standby Mode): each a task
with its progress, what vCenter refuses at once, what happens to the host's VMs and to the tasks
that depend on the host, stepping the simulated clock."""

import pytest

from inventory import services
from inventory.models import Host, VirtualMachine
from operations.engine.host_commands import CONNECT_S, SHUTDOWN_S, STANDBY_S
from operations.engine.monitor import BOOT_S, HEARTBEAT_TIMEOUT_S
from operations.faults import InvalidArgument, InvalidState, ResourceBusy
from operations.models import Agent, Event, Task
from operations.services.faults import host_fault_action
from operations.services.host_commands import host_command
from operations.services.migrate import vm_migrate
from operations.services.power import vm_power

CANNOT_CONTACT = ("Cannot contact the specified host (esx01.lab.local). The host may not be available on the network, "
                  "a network configuration problem may exist, or the management services on this host may not be "
                  "responding.")


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def events(lab, *types) -> list[tuple[float, str]]:
    return [(e.sim_seconds, e.type) for e in Event.objects.filter(lab=lab, type__in=types).order_by("seq")]


def test_disconnect_stops_vcenter_managing_the_host_and_connect_brings_it_back(lab, sim, esx01, web01, owner):
    task = host_command(host=esx01, command="disconnect", user=owner)
    assert (task.name, task.state, task.object_name) == ("Disconnect host", "queued", "esx01.lab.local")
    sim.run(1)
    assert fresh(task).state == "running" and fresh(esx01).connection_state == "connected"
    sim.run(1)
    task = fresh(task)
    assert (task.state, task.completed_sim) == ("success", 2.0)
    host = fresh(esx01)
    assert host.connection_state == "disconnected" and host.vms_disconnected
    assert events(lab, "HostDisconnectedEvent") == [(2.0, "HostDisconnectedEvent")]
    assert fresh(web01).power_state == "poweredOn"  # vCenter let go of it; it runs on
    with pytest.raises(InvalidState, match="is disconnected"):
        vm_power(vm=web01, action="power-off", user=owner)
    sim.run(HEARTBEAT_TIMEOUT_S * 2)  # nobody watches it: it does not turn Not Responding
    assert fresh(esx01).connection_state == "disconnected" and not Agent.objects.filter(lab=lab).exists()

    again = host_command(host=esx01, command="connect", user=owner)
    assert again.name == "Reconnect host"
    sim.run(CONNECT_S)
    assert fresh(again).state == "success" and fresh(esx01).connection_state == "connected"
    assert events(lab, "HostConnectedEvent")[-1][0] == pytest.approx(sim.now)


def test_connect_fails_when_vcenter_cannot_reach_the_management_network(lab, sim, esx01, owner):
    host_command(host=esx01, command="disconnect", user=owner)
    sim.run(5)
    host_fault_action(host=esx01, action="disconnect-management-network", user=owner)
    task = host_command(host=esx01, command="connect", user=owner)
    sim.run(CONNECT_S)
    task = fresh(task)
    assert (task.state, task.error_message) == ("error", CANNOT_CONTACT)
    assert fresh(esx01).connection_state == "disconnected"


def test_reboot_takes_the_vms_down_boots_and_reconnects(lab, sim, esx01, web01, owner):
    assert fresh(web01).power_state == "poweredOn"
    task = host_command(host=esx01, command="reboot", user=owner, reason="BIOS update")
    sim.run(SHUTDOWN_S - 1)
    task = fresh(task)
    assert (task.state, task.phase) == ("running", "Shutting down") and fresh(web01).power_state == "poweredOn"
    sim.run(1)
    assert fresh(esx01).power_state == "poweredOff" and fresh(web01).power_state == "poweredOff"
    assert fresh(task).phase == "Booting ESXi"
    sim.run(HEARTBEAT_TIMEOUT_S)
    assert fresh(esx01).connection_state == "notResponding"
    sim.run(BOOT_S - HEARTBEAT_TIMEOUT_S)
    task, host = fresh(task), fresh(esx01)
    assert (task.state, task.completed_sim) == ("success", SHUTDOWN_S + BOOT_S)
    assert (host.power_state, host.connection_state) == ("poweredOn", "connected")
    assert fresh(web01).power_state == "poweredOff"  # nothing restarts it (HA comes later)
    shutdown = Event.objects.get(lab=lab, type="HostShutdownEvent")
    assert shutdown.message == "Shut down of esx01.lab.local in Datacenter for a reboot: BIOS update"
    assert not Agent.objects.filter(lab=lab).exists()


def test_a_reboot_with_the_management_cable_out_ends_unreachable(lab, sim, esx01, owner):
    task = host_command(host=esx01, command="reboot", user=owner)
    sim.run(SHUTDOWN_S + 10)
    host_fault_action(host=esx01, action="disconnect-management-network", user=owner)
    sim.run(BOOT_S)
    task, host = fresh(task), fresh(esx01)
    assert (task.state, task.error_message) == ("error", CANNOT_CONTACT)
    assert (host.power_state, host.connection_state) == ("poweredOn", "notResponding")
    host_fault_action(host=esx01, action="reconnect-management-network", user=owner)
    sim.run(1)
    assert fresh(esx01).connection_state == "connected"


def test_a_crash_during_the_reboot_fails_it_and_power_on_boots_the_host(lab, sim, esx01, owner):
    task = host_command(host=esx01, command="reboot", user=owner)
    sim.run(SHUTDOWN_S + 20)
    host_fault_action(host=esx01, action="power-off", user=owner)  # the power fails while ESXi boots
    sim.run(1)
    task = fresh(task)
    assert (task.state, task.error_message) == ("error", "Host esx01.lab.local went down; Reboot host did not complete.")
    host_fault_action(host=esx01, action="power-on", user=owner)
    sim.run(BOOT_S + 1)
    assert (fresh(esx01).power_state, fresh(esx01).connection_state) == ("poweredOn", "connected")


def test_a_running_vmotion_fails_when_its_source_host_reboots(lab, sim, esx01, esx02, web01, owner):
    host_command(host=esx01, command="reboot", user=owner)  # ESXi shuts down SHUTDOWN_S later
    sim.run(SHUTDOWN_S - 10)
    migration = vm_migrate(vm=web01, host=esx02, user=owner, priority="low")
    sim.run(1)
    assert fresh(migration).state == "running"
    sim.run(9)
    migration = fresh(migration)
    assert migration.state == "error" and migration.completed_sim == pytest.approx(SHUTDOWN_S)
    assert "source host esx01.lab.local failed" in migration.error_message
    vm = fresh(web01)
    assert (vm.host_id, vm.power_state) == (esx01.pk, "poweredOff")


def test_shut_down_ends_powered_off_and_power_on_brings_it_back(lab, sim, esx01, web01, owner):
    task = host_command(host=esx01, command="shutdown", user=owner, reason="Maintenance")
    sim.run(SHUTDOWN_S)
    assert fresh(task).state == "success" and fresh(esx01).power_state == "poweredOff"
    assert fresh(web01).power_state == "poweredOff"
    sim.run(HEARTBEAT_TIMEOUT_S)
    assert fresh(esx01).connection_state == "notResponding"
    host_fault_action(host=esx01, action="power-on", user=owner)
    sim.run(BOOT_S)
    assert (fresh(esx01).power_state, fresh(esx01).connection_state) == ("poweredOn", "connected")


def test_standby_is_refused_with_a_powered_on_vm_and_round_trips_without(lab, sim, esx02, xp01, owner):
    vm_power(vm=xp01, action="power-on", user=owner)
    sim.run(60)
    assert fresh(xp01).power_state == "poweredOn"
    with pytest.raises(InvalidState, match="has 1 powered-on virtual machine"):
        host_command(host=esx02, command="enter-standby", user=owner)
    vm_power(vm=xp01, action="power-off", user=owner)
    sim.run(10)
    task = host_command(host=esx02, command="enter-standby", user=owner)
    sim.run(STANDBY_S)
    host = fresh(esx02)
    assert fresh(task).state == "success" and (host.power_state, host.connection_state) == ("standBy", "connected")
    assert not host.is_usable
    sim.run(HEARTBEAT_TIMEOUT_S * 2)
    assert fresh(esx02).connection_state == "connected"  # vCenter expects no heartbeat from a host in standby
    with pytest.raises(InvalidState, match="is in standby mode"):
        host_command(host=esx02, command="reboot", user=owner)
    back = host_command(host=esx02, command="exit-standby", user=owner)
    sim.run(BOOT_S - 1)
    assert fresh(back).state == "running"
    sim.run(1)
    assert fresh(back).state == "success" and fresh(esx02).power_state == "poweredOn"
    assert [t for _, t in events(lab, "EnteringStandbyModeEvent", "EnteredStandbyModeEvent", "ExitingStandbyModeEvent",
                                 "ExitedStandbyModeEvent")] == [
        "EnteringStandbyModeEvent", "EnteredStandbyModeEvent", "ExitingStandbyModeEvent", "ExitedStandbyModeEvent"]


def test_refusals(lab, sim, esx01, owner):
    with pytest.raises(InvalidArgument):
        host_command(host=esx01, command="explode", user=owner)
    with pytest.raises(InvalidArgument, match="^The reason may not contain control"):
        host_command(host=esx01, command="reboot", user=owner, reason="BIOS\u202eupdate")
    with pytest.raises(InvalidArgument, match="^The reason must be 200 characters or fewer.$"):
        host_command(host=esx01, command="shutdown", user=owner, reason="x" * 201)
    with pytest.raises(InvalidState, match="^Host esx01.lab.local is already connected.$"):
        host_command(host=esx01, command="connect", user=owner)
    with pytest.raises(InvalidState, match="is not in standby mode"):
        host_command(host=esx01, command="exit-standby", user=owner)
    host_command(host=esx01, command="reboot", user=owner)
    with pytest.raises(ResourceBusy, match="Another task is already in progress: Reboot host"):
        host_command(host=esx01, command="shutdown", user=owner)
    sim.run(SHUTDOWN_S + BOOT_S)
    host_command(host=esx01, command="disconnect", user=owner)
    sim.run(5)
    with pytest.raises(InvalidState, match="The operation is not allowed in the current connection state"):
        host_command(host=esx01, command="reboot", user=owner)
    with pytest.raises(InvalidState, match="already disconnected"):
        host_command(host=esx01, command="disconnect", user=owner)
    assert Task.objects.filter(lab=lab, state__in=["queued", "running"]).count() == 0


def test_a_disconnected_host_can_be_removed(lab, sim, esx01, owner):
    host_command(host=esx01, command="disconnect", user=owner)
    sim.run(5)
    host_command(host=esx01, command="connect", user=owner)
    with pytest.raises(ResourceBusy, match="Another task is already in progress: Reconnect host"):
        services.host_remove(host=fresh(esx01), user=owner)
    sim.run(CONNECT_S)
    host_command(host=esx01, command="disconnect", user=owner)
    sim.run(5)
    services.host_remove(host=fresh(esx01), user=owner)
    assert not Host.objects.filter(pk=esx01.pk).exists()
    assert not VirtualMachine.objects.filter(host_id=esx01.pk).exists()


def test_a_reboots_progress_moves_within_its_shutdown_and_its_boot(lab, sim, esx01, owner):
    """Its bar moves at every pass, not only between its steps: 0 to 40% while ESXi shuts down
    (30 s), 40 to 99% while it boots (120 s), then done."""
    task = host_command(host=esx01, command="reboot", user=owner, reason="test")
    sim.run(1)
    started = fresh(task).started_sim
    sim.run(started + SHUTDOWN_S / 2 - sim.now)
    assert 18 <= fresh(task).progress <= 22 and fresh(task).phase == "Shutting down"
    sim.run(started + SHUTDOWN_S + BOOT_S / 2 - sim.now)
    assert 67 <= fresh(task).progress <= 72 and fresh(task).phase == "Booting ESXi"
    sim.run(BOOT_S)
    assert fresh(task).state == "success" and fresh(task).progress == 100
