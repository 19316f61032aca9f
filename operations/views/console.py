"""The VM console window: its title names the host that runs the VM (as in the article)."""

from django.http import Http404
from django.shortcuts import render

from inventory.models import VirtualMachine
from inventory.selectors import lab_for, object_for
from operations.console import console_for


def _vm(request, lab_id: int, moid: str):
    lab = lab_for(request.user, lab_id)
    vm = object_for(lab, moid)
    if not isinstance(vm, VirtualMachine):
        raise Http404("Only virtual machines have a console")
    vm = VirtualMachine.objects.select_related("host").get(pk=vm.pk)
    return lab, vm


def console(request, lab_id: int, moid: str):
    lab, vm = _vm(request, lab_id, moid)
    return render(request, "operations/console.html", {"lab": lab, "vm": vm, "c": console_for(vm, lab.now())})


def screen(request, lab_id: int, moid: str):
    """The window's content alone, polled every second (a websocket push in the Live issue)."""
    lab, vm = _vm(request, lab_id, moid)
    return render(request, "operations/partials/console_body.html", {"lab": lab, "vm": vm, "c": console_for(vm, lab.now())})

