"""The Migrate wizard of the vSphere Client (REFERENCE.md §1): Select Migration Type, Select
Destination (with the compatibility panel), Select Datastore, VMotion Priority, Ready to
Complete. Each step posts back; earlier answers ride along as hidden fields."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect

from inventory.choices import VmPowerState
from inventory.models import Datastore, Host
from inventory.selectors import id_number, with_space
from inventory.templatetags.vsphere import object_url
from inventory.views.pages import lab_frame
from operations.checks import Problem
from operations.checks import errors as error_messages
from operations.checks.migrate import check_change_both
from operations.facts import vm_facts
from operations.faults import VimFault
from operations.services.migrate import PRIORITY, host_compatibility, migration_problems, vm_migrate

TYPES = {
    "host": ("Change host", "Move the virtual machine to another host."),
    "datastore": ("Change datastore", "Move the virtual machine's storage to another datastore."),
    "both": ("Change both host and datastore",
             "Move the virtual machine to another host and move its storage to another datastore."),
}
PRIORITIES = {
    "high": ("Reserve CPU for optimal VMotion performance (Recommended)",
             "VMotion reserves CPU on both hosts to keep the virtual machine available during the migration. If "
             "the CPU cannot be reserved, the migration does not proceed."),
    "low": ("Perform with available CPU resources",
            "VMotion uses the CPU that is available. The migration always proceeds, but may take longer if CPU "
            "resources are short."),
}
STEP_TITLES = {"type": "Select Migration Type", "host": "Select Destination", "datastore": "Select Datastore",
               "priority": "VMotion Priority", "ready": "Ready to Complete"}
COMPAT_COLUMN_LIMIT = 40  # above this many hosts, only the selected one is validated


def _steps(mtype: str, live: bool) -> list[str]:
    steps = ["type"]
    if mtype in ("host", "both"):
        steps.append("host")
    if mtype in ("datastore", "both"):
        steps.append("datastore")
    if live and mtype == "host":
        steps.append("priority")
    return steps + ["ready"]


def _pick(queryset, value):
    number = id_number(value)
    return queryset.filter(pk=number).first() if number is not None else None


def _worst(problems: list[Problem]) -> str:
    if any(p.is_error for p in problems):
        return "error"
    return "warning" if problems else "ok"


def migrate_wizard(request, lab, vm):
    data = request.POST if request.method == "POST" else request.GET
    live = vm.power_state == VmPowerState.POWERED_ON
    mtype = data.get("type") if data.get("type") in TYPES else "host"
    priority = data.get("priority") or "high"  # the service refuses an unknown one, with its message
    hosts = Host.objects.filter(lab=lab, datacenter_id=vm.host.datacenter_id).select_related("cluster").order_by("name")
    datastores = with_space(Datastore.objects.filter(lab=lab, datacenter_id=vm.host.datacenter_id)).order_by("name")
    host = _pick(hosts, data.get("host")) if mtype != "datastore" else None
    datastore = _pick(datastores, data.get("datastore")) if mtype != "host" else None
    steps = _steps(mtype, live)
    step = data.get("step") if data.get("step") in steps else "type"
    errors: list[str] = []
    checked: dict = {}  # migration_problems per (host, datastore): read once per request

    def compatibility():
        """Change host to each host of a datacenter up to COMPAT_COLUMN_LIMIT: one set read of
        their facts, or None above (only the selected host is checked then)."""
        if "all" not in checked:
            rows = list(hosts[:COMPAT_COLUMN_LIMIT + 1])
            checked["all"] = dict(host_compatibility(vm, rows)) if len(rows) <= COMPAT_COLUMN_LIMIT else None
            checked["rows"] = rows
        return checked["all"]

    def problems_of(host_, datastore_):
        if host_ is not None and datastore_ is None and (compatibility() or {}).get(host_) is not None:
            return checked["all"][host_]
        key = (host_.pk if host_ else None, datastore_.pk if datastore_ else None)
        if key not in checked:
            checked[key] = migration_problems(vm, host=host_, datastore=datastore_)
        return checked[key]

    go = data.get("go", "") if request.method == "POST" else ""
    if go == "back":
        step = steps[max(0, steps.index(step) - 1)]
    elif go in ("next", "finish"):
        errors = _step_errors(step, vm, mtype, host, datastore, priority, problems_of)
        if not errors and step != "ready":
            step = steps[steps.index(step) + 1]
        elif not errors:
            try:
                vm_migrate(vm=vm, user=request.user, host=host, datastore=datastore, priority=priority)
            except VimFault as fault:
                errors = fault.messages
            else:
                url = object_url(vm)
                return HttpResponseClientRedirect(url) if request.htmx else _redirect(url)
    if step == "ready" and "priority" in steps and PRIORITY.problems(priority):
        step = "priority"  # the summary cannot name an unknown priority: ask for it again
    problems = problems_of(host, datastore) if (host or datastore) else []
    context = {
        "lab": lab, "obj": vm, "kind": "vm", "vm": vm, "live": live, "mtype": mtype, "priority": priority,
        "host": host, "datastore": datastore, "step": step, "steps": [(s, STEP_TITLES[s]) for s in steps],
        "types": TYPES, "priorities": PRIORITIES, "errors": errors, "problems": problems,
        "hosts": _host_rows(hosts, compatibility()) if step == "host" else [], "datastores": datastores,
        "kind_label": _kind_label(mtype, live),
    }
    status = 422 if errors else 200
    if request.htmx:
        return render(request, "operations/migrate_wizard.html", context, status=status)
    context.update(lab_frame(lab, request, vm))
    return render(request, "operations/migrate_page.html", context, status=status)


def _redirect(url):
    return redirect(url)


def _kind_label(mtype: str, live: bool) -> str:
    if not live:
        return "Cold migration"
    return {"host": "VMotion", "datastore": "Storage VMotion"}.get(mtype, "Not possible while powered on")


def _step_errors(step, vm, mtype, host, datastore, priority, problems_of) -> list[str]:
    """What stops the wizard at this step: the services' checks, nothing of its own but the
    selection it needs to go on."""
    if step == "type" and mtype == "both":
        return error_messages(check_change_both(vm_facts(vm)))
    if step == "priority":
        return PRIORITY.problems(priority)
    if step == "host":
        if host is None:
            return ["Select a destination host."]
        return [p.message for p in problems_of(host, None) if p.is_error]
    if step == "datastore":
        if datastore is None:
            return ["Select a destination datastore."]
        return [p.message for p in problems_of(host, datastore) if p.is_error]
    return []


def _host_rows(hosts, compatibility):
    if compatibility is None:
        return [(h, None) for h in hosts]
    return [(h, _worst(problems)) for h, problems in compatibility.items()]
