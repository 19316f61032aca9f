"""The lab clock in the header: pause, resume, speed and advance (owner and instructors)."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.roles import is_instructor
from inventory.selectors import lab_for
from operations.faults import VimFault
from operations.services.clock import clock_advance, clock_set

SPEEDS = [0.1, 0.5, 1, 2, 5, 10, 30, 100]
ADVANCES = [(60, "+1 min"), (600, "+10 min")]


def clock_context(lab, user) -> dict:
    import time

    return {"lab": lab, "can_control": is_instructor(user) or lab.owner_id == user.pk, "speeds": SPEEDS,
            "advances": ADVANCES, "server_wall": time.time()}


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
