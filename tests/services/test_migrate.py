import pytest

from inventory.models import Host, VirtualMachine
from operations.faults import InvalidState, ResourceBusy
from operations.models import Event, Task
from operations.services.migrate import vm_migrate
from operations.services.tasks import task_cancel
from tests.conftest import vm_named


def task_of(task) -> Task:
    return Task.objects.get(pk=task.pk)


def test_it_queues_a_vmotion_and_moves_the_vm_when_the_task_completes(lab, web01, esx02, owner, sim):
    task = vm_migrate(vm=web01, host=esx02, priority="high", user=owner)
    assert task.name == "Migrate virtual machine" and task.state == "queued"
    sim.run(10)
    running = task_of(task)
    assert running.state == "running" and "Pre-copy round 1" in running.phase and 0 < running.progress < 100
    assert vm_named(lab, "W2K8-Web01").host.name == "esx01.lab.local"  # still on the source while copying
    sim.run(30, step=1)
    done = task_of(task)
    assert done.state == "success" and done.progress == 100
    moved = vm_named(lab, "W2K8-Web01")
    assert moved.host == esx02 and moved.power_state == "poweredOn"
    assert 25 <= done.completed_sim - done.started_sim <= 35  # about 30 s on 1 GbE, as in the article
    event = Event.objects.get(lab=lab, type="VmMigratedEvent")
    assert "from esx01.lab.local to esx02.lab.local completed" in event.message
    assert moved.last_stun_ms is not None and moved.last_stun_ms < 1000


def test_a_second_migration_of_a_migrating_vm_is_refused_and_changes_nothing(lab, web01, esx02, owner, sim):
    vm_migrate(vm=web01, host=esx02, priority="high", user=owner)
    before = Task.objects.count()
    with pytest.raises(ResourceBusy, match="Another task is already in progress"):
        vm_migrate(vm=web01, host=esx02, priority="low", user=owner)
    assert Task.objects.count() == before


def test_cancel_during_precopy_leaves_the_vm_on_the_source(lab, web01, esx02, owner, sim):
    task = vm_migrate(vm=web01, host=esx02, priority="high", user=owner)
    sim.run(10)
    task_cancel(task=task, user=owner)
    sim.run(1)
    canceled = task_of(task)
    assert canceled.state == "error" and "canceled" in canceled.error_message
    assert vm_named(lab, "W2K8-Web01").host.name == "esx01.lab.local"
    sim.run(60)
    assert vm_named(lab, "W2K8-Web01").host.name == "esx01.lab.local"
