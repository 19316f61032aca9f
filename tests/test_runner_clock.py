"""The runner and the labs' clocks: each lab runs up to its own clock's now, read again late in a
long step, so a pause (or a speed change) made while the runner was busy with other labs is never
overrun: nothing happens in a lab after the instant its clock was paused at."""

import time

import pytest

from inventory.models import Host, Lab, VirtualMachine
from inventory.presets import lab_create
from operations.engine.lab import LabSim
from operations.models import Task
from operations.runner.runner import Runner
from operations.services.clock import clock_set
from operations.services.migrate import vm_migrate


def vmotion(lab, owner) -> Task:
    web01 = VirtualMachine.objects.get(lab=lab, name="W2K8-Web01")
    return vm_migrate(vm=web01, host=Host.objects.get(lab=lab, name="esx02.lab.local"), user=owner, priority="high")


@pytest.mark.django_db(transaction=True)
def test_a_pause_made_during_a_long_step_is_not_overrun(lab, owner, monkeypatch):
    other = lab_create(owner=owner, preset="seed-article", name="Second")  # simulated after `lab`
    start = time.time()
    Lab.objects.filter(pk__in=[lab.pk, other.pk]).update(clock_paused=False, clock_speed=100, clock_wall_at=start)
    vmotion(lab, owner)
    task = vmotion(other, owner)
    runner = Runner()
    runner.step()
    assert Task.objects.get(pk=task.pk).state == "running"

    real_run, real_time = LabSim.run, time.time

    def run(self, until):
        if self.ops.lab_id == lab.pk:  # the first lab of the step takes its time; meanwhile `other` is paused
            clock_set(lab=Lab.objects.get(pk=other.pk), user=owner, paused=True)
            monkeypatch.setattr(time, "time", lambda: real_time() + 0.5)  # half a second of wall time goes by
        return real_run(self, until)

    monkeypatch.setattr(LabSim, "run", run)
    runner.step()
    monkeypatch.undo()
    paused = Lab.objects.get(pk=other.pk)
    assert paused.clock_paused
    assert paused.sim_processed <= paused.now() + 1e-6  # at 100x the stale clock ran it 50 s further
    row = Task.objects.get(pk=task.pk)
    assert row.state == "running" or row.completed_sim <= paused.now()
