"""The lab's fault panel: what is broken now (the simulated failures), each with its Restore, and
Restore all. The navbar's badge opens it; the lab's runner pushes both when they change
(operations/live/fragments.py)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from inventory.selectors import active_faults, lab_for
from inventory.views.pages import lab_frame
from operations.faults import VimFault
from operations.models import Fault
from operations.services.faults import fault_end
from operations.services.faults import fault_restore_all as fault_restore_all_service


def panel_context(lab) -> dict:
    """What the panel shows (operations/partials/fault_panel.html): its first render and every push."""
    return {"lab": lab, "faults": active_faults(lab)}


def _panel(request, lab, errors=(), status: int = 200):
    context = panel_context(lab) | {"errors": list(errors)}
    if request.htmx:
        return render(request, "operations/partials/fault_dialog.html", context, status=status)
    for error in errors:
        messages.error(request, error)
    return render(request, "operations/faults_page.html", context | lab_frame(lab) | {"moid": "root"}, status=status)


@require_http_methods(["GET"])
def fault_panel(request, lab_id: int):
    return _panel(request, lab_for(request.user, lab_id))


@require_POST
def fault_restore(request, lab_id: int, fault_id: int):
    """Restore one simulated failure; the panel comes back with the outcome."""
    lab = lab_for(request.user, lab_id)
    fault = get_object_or_404(Fault, lab=lab, pk=fault_id)
    try:
        fault_end(fault=fault, user=request.user)
    except VimFault as refusal:
        return _panel(request, lab, refusal.messages, status=422)
    return _panel(request, lab) if request.htmx else redirect("faults", lab.pk)


@require_POST
def fault_restore_all(request, lab_id: int):
    """Restore every simulated failure not being restored already, in one transaction: all or none."""
    lab = lab_for(request.user, lab_id)
    try:
        fault_restore_all_service(lab=lab, user=request.user)
    except VimFault as refusal:
        return _panel(request, lab, refusal.messages, status=422)
    return _panel(request, lab) if request.htmx else redirect("faults", lab.pk)
