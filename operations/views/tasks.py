"""The Recent Tasks panel alone (pages get it pushed; this serves Cancel's answer and scripts)
and Cancel."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from inventory import selectors
from inventory.selectors import lab_for
from operations.faults import VimFault
from operations.models import Task
from operations.services.tasks import task_cancel


def _panel(request, lab, error: str = ""):
    return render(request, "operations/recent_tasks.html", {
        "lab": lab, "recent_tasks": selectors.recent_tasks(lab), "cancel_error": error}, status=422 if error else 200)


def recent_tasks(request, lab_id: int):
    return _panel(request, lab_for(request.user, lab_id))


@require_POST
def cancel(request, lab_id: int, task_id: int):
    """Cancel a task; the panel comes back with the outcome (or the page, without htmx)."""
    lab = lab_for(request.user, lab_id)
    task = get_object_or_404(Task, lab=lab, pk=task_id)
    error = ""
    try:
        task_cancel(task=task, user=request.user)
    except VimFault as fault:
        error = " ".join(fault.messages)
    if request.htmx:
        return _panel(request, lab, error)
    if error:
        messages.error(request, error)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("lab", args=[lab.pk])
    return redirect(back)
