"""vCenter's host connection monitor, end to end on the database: a host whose management network
is cut, or that is down, turns Not Responding after the 60 s heartbeat timeout; until then
operations on it are accepted and fail when they reach it, afterwards they are refused at once,
Migrate included; it is connected again when it is restored."""

import pytest

from inventory import services
from inventory.models import Host
from operations.faults import InvalidState
from operations.models import Agent, Event, Fault, Task
from operations.services.faults import fault_end, fault_start, host_fault_action
from operations.services.migrate import vm_migrate
from operations.services.power import vm_power

NOT_ALLOWED = "The operation is not allowed in the current connection state of the host."
UNREACHABLE = "Unable to communicate with the remote host, since it is disconnected."


def state(host) -> str:
    return Host.objects.get(pk=host.pk).connection_state


def events(lab, *types) -> list[tuple[float, str, str]]:
    found = Event.objects.filter(lab=lab, type__in=types).order_by("seq")
    return [(e.sim_seconds, e.type, e.object_name) for e in found]


@pytest.fixture
def pulled(lab, sim, esx01, owner):
    """esx01's management cable is pulled at t = 5."""
    sim.run(5)
    host_fault_action(host=esx01, action="disconnect-management-network", user=owner)
    sim.run()
    return 5.0


def test_a_host_whose_cable_is_pulled_is_not_responding_exactly_60_s_later(lab, sim, esx01, pulled):
    sim.run(59.9)
    assert state(esx01) == "connected"
    sim.run(0.1)
    assert state(esx01) == "notResponding"
    assert events(lab, "HostNotRespondingEvent") == [(65.0, "HostNotRespondingEvent", "esx01.lab.local")]
    message = Event.objects.get(type="HostNotRespondingEvent").message
    assert message == "Host esx01.lab.local in Datacenter is not responding"


def test_before_that_operations_are_accepted_and_fail_when_they_reach_the_host(lab, sim, esx01, esx02, web01, xp01,
                                                                             pulled, owner):
    sim.run(30)
    off = vm_power(vm=web01, action="power-off", user=owner)  # accepted: vCenter still sees it connected
    into = vm_migrate(vm=xp01, host=esx01, user=owner)  # a cold migration to it
    sim.run(5)
    for task in (off, into):
        task = Task.objects.get(pk=task.pk)
        assert (task.state, task.error_message, task.completed_sim) == ("error", UNREACHABLE, 35.0)
    with pytest.raises(InvalidState, match="Unable to communicate"):  # an instant operation reaches it at once
        services.vm_reconfigure(vm=web01, user=owner, workload="idle")


def test_afterwards_every_operation_on_it_or_its_vms_is_refused_at_once_migrate_included(
        lab, sim, esx01, esx02, web01, xp01, pulled, owner):
    sim.run(60)
    tasks = Task.objects.count()
    refusals = [
        lambda: vm_power(vm=web01, action="power-off", user=owner),
        lambda: vm_migrate(vm=web01, host=esx02, user=owner),  # from it
        lambda: vm_migrate(vm=xp01, host=esx01, user=owner),  # to it
        lambda: services.vm_reconfigure(vm=web01, user=owner, workload="idle"),
        lambda: services.vm_snapshot_create(vm=web01, name="before", user=owner),
        lambda: services.host_enter_maintenance(host=esx01, user=owner),
    ]
    for refuse in refusals:
        with pytest.raises(InvalidState) as refused:
            refuse()
        assert refused.value.messages == [f"{NOT_ALLOWED} Host esx01.lab.local is not responding: vCenter has not "
                                          f"heard from it for longer than its heartbeat timeout."]
    assert Task.objects.count() == tasks
    assert vm_power(vm=xp01, action="power-on", user=owner)  # esx02 is fine


def test_a_running_task_on_it_fails_when_it_turns_not_responding(lab, sim, esx01, xp01, pulled, owner):
    sim.run(50)
    task = vm_migrate(vm=xp01, host=esx01, user=owner)  # begins before 65 s, fails at once: it reaches esx01
    sim.run(20)
    assert Task.objects.get(pk=task.pk).error_message == UNREACHABLE


def test_the_cable_back_reconnects_it_at_once(lab, sim, esx01, web01, pulled, owner):
    sim.run(100)
    host_fault_action(host=esx01, action="reconnect-management-network", user=owner)
    sim.run()
    assert state(esx01) == "connected"
    assert events(lab, "HostNotRespondingEvent", "HostConnectedEvent") == [
        (65.0, "HostNotRespondingEvent", "esx01.lab.local"), (105.0, "HostConnectedEvent", "esx01.lab.local")]
    assert Event.objects.get(type="HostConnectedEvent").message == "Connected to esx01.lab.local in Datacenter"
    assert not Agent.objects.exists() and not Fault.objects.filter(ended_sim__isnull=True).exists()
    assert vm_power(vm=web01, action="reset", user=owner)
    assert Host.objects.get(pk=esx01.pk).vms.filter(power_state="poweredOn").count() == 2  # its VMs ran on


def test_a_cable_back_within_the_timeout_goes_unnoticed(lab, sim, esx01, pulled, owner):
    sim.run(30)
    host_fault_action(host=esx01, action="reconnect-management-network", user=owner)
    sim.run(100)
    assert state(esx01) == "connected" and not events(lab, "HostNotRespondingEvent", "HostConnectedEvent")
    assert not Agent.objects.exists()


def test_a_crashed_host_boots_120_s_after_it_is_powered_on_and_reconnects(lab, sim, esx01, owner):
    host_fault_action(host=esx01, action="crash", user=owner)
    sim.run(90)
    assert state(esx01) == "notResponding"
    host_fault_action(host=esx01, action="power-on", user=owner)
    sim.run(119.9)
    host = Host.objects.get(pk=esx01.pk)
    assert (host.power_state, host.connection_state) == ("poweredOff", "notResponding")
    assert Agent.objects.get().state == "booting"
    sim.run(0.1)
    host = Host.objects.get(pk=esx01.pk)
    assert (host.power_state, host.connection_state) == ("poweredOn", "connected")
    assert [(t, kind) for t, kind, _ in events(lab, "HostNotRespondingEvent", "GeneralHostInfoEvent",
                                                "HostConnectedEvent")] == [
        (60.0, "HostNotRespondingEvent"), (210.0, "GeneralHostInfoEvent"), (210.0, "HostConnectedEvent")]
    assert not host.vms.filter(power_state="poweredOn").exists()  # nothing restarts them without HA
    assert not Agent.objects.exists()


def test_a_host_powered_off_and_on_within_the_timeout_is_not_responding_while_it_boots(lab, sim, esx02, owner):
    host_fault_action(host=esx02, action="power-off", user=owner)
    sim.run(20)
    host_fault_action(host=esx02, action="power-on", user=owner)
    sim.run(40)
    assert state(esx02) == "notResponding"  # no heartbeat since t = 0: ESXi is still booting
    sim.run(100)
    assert state(esx02) == "connected"
    assert Host.objects.get(pk=esx02.pk).power_state == "poweredOn"


def test_the_management_switch_cuts_every_host_and_a_hosts_own_cable_keeps_it_cut(lab, sim, esx01, esx02, owner):
    fault_start(lab=lab, kind="management-switch", user=owner)
    sim.run(10)
    host_fault_action(host=esx01, action="disconnect-management-network", user=owner)
    sim.run(50)
    assert (state(esx01), state(esx02)) == ("notResponding", "notResponding")  # both 60 s after the switch
    switch = Fault.objects.get(kind="management-switch")
    fault_end(fault=switch, user=owner)
    sim.run(1)
    assert (state(esx01), state(esx02)) == ("notResponding", "connected")
    assert not Host.objects.get(pk=esx01.pk).management_connected
    host_fault_action(host=esx01, action="reconnect-management-network", user=owner)
    sim.run(1)
    assert (state(esx01), state(esx02)) == ("connected", "connected")


def test_a_host_that_is_fine_has_no_agent_and_a_healthy_lab_none(lab, sim, esx01, web01, esx02, owner):
    vm_migrate(vm=web01, host=esx02, user=owner)
    host_fault_action(host=esx01, action="disconnect-storage", user=owner)
    host_fault_action(host=esx01, action="disconnect-vmotion-network", user=owner)
    sim.run(60)
    assert not Agent.objects.exists()  # vCenter still hears from it


def test_its_vms_show_disconnected_in_the_tree_and_their_summary(lab, sim, owner_client, esx01, web01, pulled):
    page = owner_client.get(f"/labs/{lab.pk}/{web01.moid}/").content.decode()
    assert "(disconnected)" not in page
    sim.run(60)
    page = owner_client.get(f"/labs/{lab.pk}/{web01.moid}/").content.decode()
    assert "W2K8-Web01 <span class=\"node-state\">(disconnected)</span>" in page  # the tree
    assert "(disconnected: vCenter does not hear from esx01.lab.local)" in page  # the Summary
    assert "XP-Client01 <span class=\"node-state\">(disconnected)</span>" not in page  # esx02's VM
    assert "(not responding)" in page  # the host's node
