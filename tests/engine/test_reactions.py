"""The engine's side of reactions, pure: what each kind of operation says to a Change, vCenter's
host monitor as a state machine, and a LabSim applying inputs, arming timers and abandoning the
processes the runner failed."""

import pytest

from operations.engine import monitor, power, storage, vmotion
from operations.engine.agents import after, due, next_timer
from operations.engine.changes import (
    UNREACHABLE, HostBooting, HostConnected, HostDown, HostNotResponding, ManagementLost, ManagementRestored,
    PartitionEnded, PartitionStarted, StorageLost, StorageRestored, VmotionNetLost,
)
from operations.engine.fault_kinds import CATALOGUE, FAULT_KINDS, HOST, HOST_ACTIONS, ended_by, started_by
from operations.engine.monitor import BOOT_S, HEARTBEAT_TIMEOUT_S, MONITOR, HostView

from .test_vmotion import FakeOps, lab_sim

VMOTION = {"vm": "W2K8-Web01", "src": "esx01", "dst": "esx02", "src_id": 1, "dst_id": 2}


def test_a_vmotion_fails_with_vsphere_words_when_a_host_it_uses_goes_down():
    assert vmotion.react("source", HostDown(1), VMOTION) == (
        "The source host esx01 failed during the migration; W2K8-Web01 went down with it.")
    assert vmotion.react("destination", HostDown(2), VMOTION) == (
        "Migration to host esx02 failed: the destination host went down. W2K8-Web01 keeps running on esx01.")
    assert vmotion.react("vm", HostDown(1), VMOTION) is None


def test_a_vmotion_fails_when_the_two_hosts_cannot_talk_over_the_vmotion_network():
    for role, change in (("source", VmotionNetLost(1)), ("destination", VmotionNetLost(2)),
                         ("source", PartitionStarted(1, 2)), ("destination", PartitionStarted(2, 1))):
        message = vmotion.react(role, change, VMOTION)
        assert message.startswith("The VMotion failed because the ESX hosts were not able to connect over the VMotion "
                                  "network.") and message.endswith("W2K8-Web01 keeps running on esx01."), change
    assert vmotion.react("source", PartitionStarted(1, 3), VMOTION) is None  # another pair of hosts
    assert vmotion.react("source", PartitionEnded(1, 2), VMOTION) is None
    assert vmotion.react("source", ManagementLost(1), VMOTION) is None  # it fails when it reaches the host


def test_every_operation_fails_on_a_host_vcenter_gives_up_on():
    assert vmotion.react("destination", HostNotResponding(2), VMOTION) == UNREACHABLE
    assert power.react("host", HostNotResponding(2), {"vm": "x", "host": "h", "task": "t"}) == UNREACHABLE
    assert vmotion.react("destination", HostConnected(2), VMOTION) is None


def test_a_copy_fails_when_a_datastore_it_uses_becomes_unreachable_from_the_host_doing_it():
    facts = {"vm": "W2K8-Web01", "host": "esx01", "host_id": 1, "dst": None,
             "datastores": {5: "iscsi-vmfs01", 7: "datastore1 (1)"}}
    assert storage.react("host", StorageLost(1, frozenset({5})), facts) == (
        "Cannot access datastore iscsi-vmfs01 from host esx01: all paths are down. The files of W2K8-Web01 stay where "
        "they were.")
    assert storage.react("host", StorageLost(1, frozenset({9})), facts) is None  # none of its datastores
    assert storage.react("datastore", StorageLost(2, frozenset({5})), facts) is None  # another host lost its paths
    assert storage.react("host", StorageRestored(1, frozenset({5})), facts) is None
    assert "iscsi-vmfs01 from host esx01" in storage.react("host", HostDown(1), facts)


def test_a_power_operation_fails_when_its_host_goes_down():
    facts = {"vm": "XP-Client01", "host": "esx02", "task": "Power On virtual machine"}
    assert power.react("host", HostDown(2), facts) == (
        "Host esx02 went down; Power On virtual machine of XP-Client01 did not complete.")
    assert power.react("vm", HostDown(2), facts) is None


def test_the_catalogue_names_each_fault_once_with_its_restore():
    assert len(FAULT_KINDS) == len(CATALOGUE) == 9
    assert started_by("crash", HOST).kind == "host-crash"
    assert {k.kind for k in ended_by("power-on", HOST)} == {"host-power-off", "host-crash"}
    assert "reconnect-storage" in HOST_ACTIONS and "partition-network" not in HOST_ACTIONS  # needs a pair
    assert all(k.label and k.restore_label for k in CATALOGUE)


# --- vCenter's host connection monitor ---------------------------------------------------------

UP = HostView(up=True, management=True, connection="connected")
CUT = HostView(up=True, management=False, connection="connected")


def step(agent, transition, now):
    return after(agent, transition, now)


def test_the_monitor_gives_up_on_a_host_after_the_heartbeat_timeout():
    agent = MONITOR.initial(monitor.key(12))
    assert MONITOR.concerned(ManagementLost(12)) == ["vc:host-12"] and due(MONITOR, agent) is None
    lost = MONITOR.on_change(agent, ManagementLost(12), 100.0, CUT)
    agent = step(agent, lost, 100.0)
    assert (agent.state, due(MONITOR, agent)) == ("unreachable", 100.0 + HEARTBEAT_TIMEOUT_S)
    assert next_timer(MONITOR, agent, 159.9) is None and next_timer(MONITOR, agent, 160.0) == "heartbeat"
    gone = MONITOR.on_timer(agent, "heartbeat", 160.0, CUT)
    assert gone.effects == (("host-not-responding", {"host": 12}),)
    agent = step(agent, gone, 160.0)
    assert (agent.state, due(MONITOR, agent)) == ("not-responding", None)
    back = MONITOR.on_change(agent, ManagementRestored(12), 200.0,
                             HostView(up=True, management=True, connection="notResponding"))
    assert back.effects == (("host-connected", {"host": 12}),) and back.state == MONITOR.rest


def test_a_cable_back_before_the_timeout_goes_unnoticed():
    agent = MONITOR.initial("vc:host-3")
    agent = step(agent, MONITOR.on_change(agent, ManagementLost(3), 0.0, CUT), 0.0)
    back = MONITOR.on_change(agent, ManagementRestored(3), 30.0, UP)
    assert back.effects == () and back.state == MONITOR.rest and due(MONITOR, step(agent, back, 30.0)) is None


def test_a_host_powered_on_again_boots_then_reconnects():
    down = HostView(up=False, management=True, connection="connected")
    agent = MONITOR.initial("vc:host-1")
    agent = step(agent, MONITOR.on_change(agent, HostDown(1), 10.0, down), 10.0)
    agent = step(agent, MONITOR.on_change(agent, HostBooting(1), 30.0, down), 30.0)
    assert agent.state == "booting"
    assert sorted(MONITOR.timers(agent)) == [(10.0 + HEARTBEAT_TIMEOUT_S, "heartbeat"), (30.0 + BOOT_S, "booted")]
    agent = step(agent, MONITOR.on_timer(agent, "heartbeat", 70.0, down), 70.0)
    assert agent.state == "booting" and due(MONITOR, agent) == 30.0 + BOOT_S  # not responding, still booting
    booted = MONITOR.on_timer(agent, "booted", 150.0, HostView(up=False, management=True, connection="notResponding"))
    assert booted.effects == (("host-up", {"host": 1}), ("host-connected", {"host": 1})) and booted.state == "idle"


def test_a_host_that_boots_with_its_cable_out_stays_not_responding():
    view = HostView(up=False, management=False, connection="notResponding")
    agent = MONITOR.initial("vc:host-1")
    agent = step(agent, MONITOR.on_change(agent, HostBooting(1), 0.0, view), 0.0)
    booted = MONITOR.on_timer(agent, "booted", BOOT_S, view)
    assert booted.effects == (("host-up", {"host": 1}),) and booted.state == "not-responding"


def test_the_monitor_does_not_watch_a_host_vcenter_disconnected():
    view = HostView(up=True, management=False, connection="disconnected")
    agent = MONITOR.initial("vc:host-1")
    assert MONITOR.on_change(agent, ManagementLost(1), 0.0, view).state == "idle"


# --- LabSim: inputs, timers, abandoned tasks -----------------------------------------------------

class Recording(FakeOps):
    def apply_input(self, input_id):
        self.log.append((input_id, "input", self.sim.now))

    def agent_timer(self, key):
        self.log.append((key, "timer", self.sim.now))


def test_inputs_come_first_at_their_instant_then_timers_then_the_operations():
    ops = Recording()
    lab = lab_sim(ops)
    lab.sim.call_at(5.0, lambda: ops.log.append(("step", "normal", lab.now)))
    lab.arm("vc:host-1", 5.0)
    lab.schedule_input(2, 5.0)
    lab.schedule_input(1, 5.0)
    lab.schedule_input(1, 5.0)  # scheduled once
    lab.run(10)
    assert [e[:2] for e in ops.log] == [(2, "input"), (1, "input"), ("vc:host-1", "timer"), ("step", "normal")]
    assert lab.idle


def test_a_timer_rearmed_fires_once_at_its_new_instant():
    ops = Recording()
    lab = lab_sim(ops)
    lab.arm("vc:host-1", 60.0)
    lab.arm("vc:host-1", 90.0)
    lab.run(200)
    assert ops.log == [("vc:host-1", "timer", 90.0)]
    lab.arm("vc:host-2", 250.0)
    lab.arm("vc:host-2", None)
    lab.run(300)
    assert len(ops.log) == 1


def test_an_abandoned_task_stops_silently_and_frees_its_slot_for_the_next():
    ops = FakeOps()
    lab = lab_sim(ops)
    lab.start(1, {"esx01": 1})
    lab.start(2, {"esx01": 1})
    lab.run(10)
    lab.abandon(1)  # the runner failed it in the database (its source host crashed)
    lab.run(10)
    assert not ops.of(1, "fail") and not ops.of(1, "finish")
    assert ops.of(2, "begin")[0][2] == pytest.approx(10.0)
    lab.abandon(3)
    lab.start(3, {"esx01": 1})  # failed before it was handed over: it never starts
    lab.run(200)
    assert not ops.of(3, "begin") and ops.of(2, "finish")
