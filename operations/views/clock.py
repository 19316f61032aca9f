"""The lab clock in the header: pause, resume, speed and advance (owner and instructors)."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from inventory.selectors import lab_for
from inventory.templatetags.vsphere import clock_context
from operations.faults import VimFault
from operations.services.clock import clock_advance, clock_set


@require_POST
def clock(request, lab_id: int):
    lab = lab_for(request.user, lab_id)
    action, error = request.POST.get("action", ""), ""
    try:
        if action == "pause":
            lab = clock_set(lab=lab, user=request.user, paused=True)
        elif action == "resume":
            lab = clock_set(lab=lab, user=request.user, paused=False)
        elif action == "speed":
            lab = clock_set(lab=lab, user=request.user, speed=request.POST.get("speed", ""))
        elif action == "advance":
            lab = clock_advance(lab=lab, user=request.user, seconds=request.POST.get("seconds") or request.GET.get("seconds"))
        else:
            error = "Unknown clock action."
    except VimFault as fault:
        error = " ".join(fault.messages)
    if request.htmx:
        context = clock_context(lab, request.user) | {"clock_error": error}
        return render(request, "operations/partials/clock.html", context, status=422 if error else 200)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("lab", args=[lab.pk])
    return redirect(back)
