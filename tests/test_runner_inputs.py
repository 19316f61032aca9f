"""The runner and inputs: a lab is held while it has something to simulate (timed tasks, inputs,
agents' timers) and costs nothing otherwise; inputs apply at their own instant, in order, before
what else is due then; what a service does while the runner applies an input is stamped with that
instant."""

import time

import pytest

from inventory.models import Host, Lab, VirtualMachine
from operations.kinds import kind
from operations.models import Agent, Event, Input, Task
from operations.runner.runner import LEASE_S, Runner
from operations.services.effects import apply_effect
from operations.services.faults import fault_start, host_fault_action
from operations.services.inputs import INPUT_KINDS, Applied, input_write, register_input
from operations.services.locking import in_lab_transaction
from operations.services.migrate import vm_migrate
from operations.services.power import vm_power
from tests.conftest import advance


def held(runner: Runner, lab, wall: float) -> bool:
    """Whether `runner` holds the lab after a step at wall time `wall`."""
    runner.step(wall=wall)
    return Lab.objects.filter(pk=lab.pk, runner_id=runner.id, lease_until__gte=wall).exists()


def test_a_lab_is_held_while_it_has_something_to_simulate_and_not_otherwise(lab, esx01, owner):
    runner, wall = Runner(), time.time()
    runner.step(wall=wall)  # publishes the lab's first events
    wall += LEASE_S + 1
    assert not held(runner, lab, wall) and not runner.labs  # nothing to simulate: not even a LabSim
    host_fault_action(host=esx01, action="disconnect-management-network", user=owner)
    assert held(runner, lab, wall)
    assert Agent.objects.get().due_sim == 60.0
    for _ in range(3):  # the monitor's timer holds it, far beyond the lease, with nothing else to do
        wall += LEASE_S + 1
        assert held(runner, lab, wall) and lab.pk in runner.labs
    advance(lab, 60)
    runner.step(wall=wall)
    assert Host.objects.get(pk=esx01.pk).connection_state == "notResponding"
    assert lab.pk not in runner.labs  # nothing is due any more: the LabSim is dropped
    wall += LEASE_S + 1
    runner.step(wall=wall)  # publishes the last events
    wall += LEASE_S + 1
    assert not held(runner, lab, wall) and not runner.labs


def test_an_input_applies_at_its_instant_even_when_the_runner_comes_later(lab, esx01, owner):
    advance(lab, 10)
    record = host_fault_action(host=esx01, action="disconnect-management-network", user=owner)
    advance(lab, 40)  # no runner stepped meanwhile
    Runner().step()
    record = Input.objects.get(pk=record.pk)
    assert (record.at, record.applied_sim) == (10.0, 10.0)
    assert Event.objects.get(type="SimulatedFailureEvent").sim_seconds == 10.0
    assert Agent.objects.get().due_sim == 70.0  # the heartbeat timeout counts from 10, not from 50


def test_a_crash_at_the_instant_a_vmotion_switches_over_wins(lab, sim, web01, esx01, esx02, owner):
    task = vm_migrate(vm=web01, host=esx02, user=owner)
    sim.run(5)
    task = Task.objects.get(pk=task.pk)
    end = task.started_sim
    for step in kind("vm.vmotion").plan(task, task.plan["inputs"]).steps:
        end = end + step.seconds  # as the engine adds them up
    Lab.objects.filter(pk=lab.pk).update(sim_seconds=end)
    fault_start(lab=lab, kind="host-crash", host=esx01, user=owner)
    sim.run()
    task = Task.objects.get(pk=task.pk)
    assert task.state == "error" and task.completed_sim == pytest.approx(end) and "source host" in task.error_message
    assert VirtualMachine.objects.get(pk=web01.pk).host_id == esx01.pk


@pytest.fixture
def power_on_input():
    """A test's input kind: a service called while the runner applies it (as a scenario's line)."""
    def apply(record, now):
        vm_power(vm=VirtualMachine.objects.get(pk=record.payload["vm"]), action="power-on", user=record.initiator)
        return Applied()

    register_input("test.power-on", apply)
    yield "test.power-on"
    INPUT_KINDS.pop("test.power-on")


def test_what_a_service_does_while_an_input_applies_happens_at_the_inputs_instant(lab, xp01, owner, power_on_input):
    in_lab_transaction(lab.pk, lambda: input_write(lab=lab, kind=power_on_input, payload={"vm": xp01.pk}, user=owner,
                                                   at=30.0))
    advance(lab, 100)
    Runner().step()
    task = Task.objects.get(object_moid=xp01.moid)
    assert (task.queued_sim, task.started_sim, task.state) == (30.0, 30.0, "success")
    assert task.completed_sim == pytest.approx(31.5)
    assert Event.objects.get(type="VmPoweredOnEvent").sim_seconds == pytest.approx(31.5)


def test_an_effect_applied_through_the_runners_hook_makes_tasks_react_as_an_input_does(lab, sim, web01, esx02,
                                                                                       owner):
    """What the journal API's op.effect(...) uses: a named effect at the process's instant."""
    task = vm_migrate(vm=web01, host=esx02, user=owner)
    sim.run(10)
    ops = sim.runner.labs[lab.pk].ops
    result = ops.at_this_instant(lambda the_lab: ("done", apply_effect("host-not-responding", lab=the_lab,
                                                                       now=ops.now, host=esx02.pk)))
    assert result == "done"
    task = Task.objects.get(pk=task.pk)
    assert (task.state, task.error_message, task.completed_sim) == (
        "error", "Unable to communicate with the remote host, since it is disconnected.", 10.0)
    assert Event.objects.get(type="HostNotRespondingEvent").sim_seconds == 10.0
    sim.run(30)  # its process was abandoned: nothing more is reported
    assert Task.objects.get(pk=task.pk).completed_sim == 10.0 and not Event.objects.filter(type="VmMigratedEvent")
