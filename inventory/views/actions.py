"""Commands: each dialog (GET shows it, POST runs it) and the new-lab form."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from inventory.actions import find_action, kind_of
from inventory.forms import NewLabForm
from inventory.presets import PRESETS, lab_create
from inventory.selectors import lab_for, labs_visible_to
from inventory.templatetags.vsphere import object_url
from operations.faults import VimFault
from operations.services.locking import in_lab_transaction
from operations.views.migrate import migrate_wizard

from .pages import lab_frame, lab_object

# the commands with a view of their own (the menus registry names them; the views live up here)
WIZARDS = {"migrate": migrate_wizard}


def _done(request, url: str):
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_http_methods(["GET", "POST"])
def object_action(request, lab_id: int, moid: str, slug: str):
    lab = lab_for(request.user, lab_id)
    obj = lab_object(lab, moid)
    action = find_action(obj, slug)
    if action is None:
        raise Http404("No such command")
    if action.wizard:
        return WIZARDS[action.slug](request, lab, obj)
    here = object_url(obj)
    if request.method == "GET":
        return _dialog(request, lab, obj, action, action.form(obj))
    form = action.form(obj, request.POST)
    if form.is_valid():
        values = form.values() if hasattr(form, "values") else form.cleaned_data
        try:
            # one transaction holding the lab's lock, retried on a deadlock; a refusal, a busy lab
            # or a database error comes back as a VimFault with a message for the form
            result = in_lab_transaction(lab.pk, lambda: action.run(obj, values, request.user))
        except VimFault as fault:
            for message in fault.messages:
                form.add_error(None, message)
        else:
            shown = result if result is not None and hasattr(result, "moid") else obj
            return _done(request, object_url(shown) + (f"{action.tab}/" if action.tab and shown is obj else ""))
    if not action.dialog:
        # a command button with no dialog: say why on the page it was pressed on
        for error in form.non_field_errors():
            messages.error(request, error)
        return _done(request, here)
    return _dialog(request, lab, obj, action, form, status=422)


def _dialog(request, lab, obj, action, form, status: int = 200):
    context = {"lab": lab, "obj": obj, "kind": kind_of(obj), "action": action, "form": form}
    if request.htmx:
        return render(request, "inventory/partials/dialog.html", context, status=status)
    context.update(lab_frame(lab, request, obj))
    return render(request, "inventory/dialog_page.html", context, status=status)


@require_POST
def lab_new(request):
    form = NewLabForm(request.POST)
    if form.is_valid():
        try:
            lab = lab_create(owner=request.user, preset=form.cleaned_data["preset"], name=form.cleaned_data["name"],
                             **form.preset_params())
        except VimFault as fault:
            for message in fault.messages:
                form.add_error(None, message)
        else:
            return _done(request, object_url(lab))
    labs = labs_visible_to(request.user)
    return render(request, "inventory/home.html", {"labs": labs, "form": form, "presets": PRESETS}, status=422)



