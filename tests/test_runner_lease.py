"""Runners and leases: a runner that lost its lab does nothing to it; a restarted runner honours
what happened while it was away. (Found by review; each was reproduced before the fix.)"""

import time

from inventory.models import Lab, VirtualMachine
from operations.models import Task
from operations.runner.runner import Runner
from operations.services.migrate import vm_migrate
from operations.services.tasks import task_cancel
from tests.conftest import advance, vm_named


def hand_over(lab, to: str = "someone-else"):
    """Another runner took the lab over (this one stalled past its lease)."""
    Lab.objects.filter(pk=lab.pk).update(runner_id=to, lease_until=time.time() + 3600)


def expire_lease(lab):
    Lab.objects.filter(pk=lab.pk).update(lease_until=0)


def test_a_runner_that_lost_the_lab_does_not_finish_its_migration(lab, web01, esx02, owner):
    task = vm_migrate(vm=web01, host=esx02, user=owner)
    stalled = Runner()
    stalled.step()
    advance(lab, 10)
    stalled.step()
    hand_over(lab)
    advance(lab, 60)
    stalled.step()
    assert vm_named(lab, "W2K8-Web01").host.name == "esx01.lab.local"
    assert Task.objects.get(pk=task.pk).state == "running"  # the new holder carries on
    assert lab.pk not in stalled.labs


def test_a_cancel_made_while_no_runner_was_up_is_honoured_on_restart(lab, web01, esx02, owner):
    task = vm_migrate(vm=web01, host=esx02, user=owner)
    first = Runner()
    first.step()
    advance(lab, 10)
    first.step()  # pre-copy under way; then the runner dies
    task_cancel(task=Task.objects.get(pk=task.pk), user=owner)
    expire_lease(lab)
    advance(lab, 60)
    Runner().step()
    canceled = Task.objects.get(pk=task.pk)
    assert canceled.state == "error" and "canceled" in canceled.error_message
    assert vm_named(lab, "W2K8-Web01").host.name == "esx01.lab.local"


def test_after_a_restart_queued_migrations_still_wait_for_the_running_ones(lab, esx01, esx02, owner):
    from inventory.models import VirtualDisk, VirtualNic

    template = vm_named(lab, "W2K8-Web01")
    VirtualMachine.objects.filter(lab=lab).update(workload="idle")
    for n in range(3):
        clone = VirtualMachine.objects.create(lab=lab, host=esx01, datastore=template.datastore, name=f"C{n}",
                                              memory_mb=1024, power_state="poweredOn", powered_on_at=0)
        VirtualDisk.objects.create(vm=clone, datastore=template.datastore, capacity_mb=1024, used_mb=1024)
        VirtualNic.objects.create(vm=clone, network=template.nics.get().network)
    tasks = [vm_migrate(vm=vm, host=esx02, priority="low", user=owner)
             for vm in VirtualMachine.objects.filter(lab=lab, host=esx01, power_state="poweredOn")]
    first = Runner()
    first.step()
    advance(lab, 5)
    first.step()
    assert sorted(Task.objects.get(pk=t.pk).state for t in tasks) == ["queued"] + ["running"] * 4
    expire_lease(lab)
    advance(lab, 1)
    restarted = Runner()
    restarted.step()
    assert sorted(Task.objects.get(pk=t.pk).state for t in tasks) == ["queued"] + ["running"] * 4
