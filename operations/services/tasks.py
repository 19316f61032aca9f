"""What every timed operation shares: one task at a time per object, and Cancel."""

from __future__ import annotations

from django.db import transaction

from inventory.models import VirtualMachine
from inventory.selectors import active_task
from operations.faults import InvalidState, ResourceBusy
from operations.models import Task
from operations.wakeup import wake

from .locking import lab_write


def locked_vm(vm_id: int) -> VirtualMachine:
    """The VM row, locked for this transaction, with what the timed operations read of it (the lock
    is the VM's row only: its lab's lock is already held)."""
    try:
        return VirtualMachine.objects.select_for_update(of=("self",)).select_related(
            "host", "host__datacenter", "lab", "datastore").get(pk=vm_id)
    except VirtualMachine.DoesNotExist:
        raise InvalidState("The virtual machine no longer exists.") from None


def require_idle(obj) -> None:
    """vSphere runs one operation at a time on a VM: a second one is refused, nothing changes."""
    task = active_task(obj.moid, obj.lab_id)
    if task is not None:
        raise ResourceBusy(
            f"Another task is already in progress: {task.name} on {obj.name} ({task.moid}, "
            f"{task.get_state_display().lower()}). Wait for it to finish or cancel it."
        )


@lab_write("task")
def task_cancel(*, task: Task, user) -> Task:
    """Cancel, where vSphere allows it: a queued task, or a migration before its switchover."""
    task = Task.objects.select_for_update(of=("self",)).get(pk=task.pk)
    if not task.is_active:
        raise InvalidState(f"{task.name} on {task.object_name} has already {task.get_state_display().lower()}.")
    if not task.cancelable:
        raise InvalidState(f"{task.name} on {task.object_name} cannot be canceled now ({task.phase or 'starting'}).")
    if not task.cancel_requested:
        task.cancel_requested = True
        task.save(update_fields=["cancel_requested"])
        transaction.on_commit(wake)
    return task
