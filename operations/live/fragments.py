"""One batch of a lab's changes as the HTML fragments the pages hold, by element id, from the
same partial templates the pages render first (so the first load and a push cannot differ)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.html import format_html

from inventory.models import Host, Lab, VirtualMachine
from django.core.paginator import Paginator

from inventory.selectors import (
    PAGE_SIZE, TREE_INLINE_VM_LIMIT, active_faults, host_live, inventory_tree, recent_tasks, vm_live, vms_in,
)
from operations.maps import lab_map
from operations.models import Event, Task

EVENTS_SHOWN = 100  # the vCenter's Tasks & Events tab, as the page shows it
# events that change nothing a picture shows (the Recent Tasks panel is always pushed)
QUIET_EVENTS = {"ClockChangedEvent", "LabCreatedEvent"}
# vCenter's view of a host changed: its VMs' Summary boxes show "(disconnected)", or no longer
CONNECTION_EVENTS = {"HostNotRespondingEvent", "HostConnectedEvent", "HostDisconnectedEvent"}


def _ids(moids, prefix: str) -> set[int]:
    return {int(m[len(prefix):]) for m in moids if m and m.startswith(prefix) and m[len(prefix):].isdigit()}


def render_batch(lab: Lab, events: list[Event], prev_seq: int, seq: int, busy_tasks: list[Task]) -> str:
    """`events`: the batch's new events (seq prev_seq+1 .. seq); `busy_tasks`: tasks whose progress
    moved. Returns the message: the sequence marker first, then each fragment."""
    now = lab.now()
    parts = [format_html('<span id="live-seq" data-seq="{}" data-prev="{}" hidden></span>', seq, prev_seq)]
    parts.append(render_to_string("operations/partials/recent_tasks_body.html",
                                  {"lab": lab, "tasks": recent_tasks(lab), "pushed": True}))
    changed = [e for e in events if e.type not in QUIET_EVENTS]
    vm_ids = _ids([e.object_moid for e in changed] + [t.object_moid for t in busy_tasks], "vm-")
    reconnected = _ids([e.object_moid for e in changed if e.type in CONNECTION_EVENTS], "host-")
    for host_id in reconnected:  # a page further on is the reader's, as below
        vm_ids |= set(VirtualMachine.objects.filter(host_id=host_id).values_list("pk", flat=True)[:PAGE_SIZE])
    host_ids = _ids([e.host_moid for e in changed] + [e.object_moid for e in changed], "host-")
    for task in [*busy_tasks, *Task.objects.filter(pk__in={e.task_id for e in changed if e.task_id})]:
        host_ids |= {p for p in (task.params.get("src"), task.params.get("host")) if isinstance(p, int)}
    vms = list(VirtualMachine.objects.filter(lab=lab, pk__in=vm_ids).select_related("host"))
    host_ids |= {vm.host_id for vm in vms}
    for vm in vms:
        parts.append(render_to_string("inventory/partials/vm_live.html", vm_live(lab, vm, now)))
        parts.append(render_to_string("inventory/partials/objhead.html", {"obj": vm, "kind": "vm", "lab": lab}))
    containers = []
    for host in Host.objects.filter(lab=lab, pk__in=host_ids).select_related("cluster"):
        parts.append(render_to_string("inventory/partials/host_live.html", host_live(host)))
        parts.append(render_to_string("inventory/partials/objhead.html", {"obj": host, "kind": "host", "lab": lab}))
        containers += [(host, "host")] + ([(host.cluster, "cluster")] if host.cluster else [])
    if changed:
        for obj, kind in dict.fromkeys(containers):  # the hosts' and clusters' Virtual Machines tabs
            vms = vms_in(lab, obj, kind).select_related("host", "datastore")
            if vms.count() <= PAGE_SIZE:  # a page further on is the reader's: not replaced
                parts.append(render_to_string("inventory/partials/vm_list.html", {
                    "obj": obj, "page": Paginator(vms, PAGE_SIZE).get_page(1), "pushed": True}))
    if changed:
        tree, vms_inline = inventory_tree(lab)
        if vms_inline:
            parts.append(format_html('<div id="tree-body">{}</div>', render_to_string(
                "inventory/partials/tree.html", {"lab": lab, "tree": tree, "vms_inline": vms_inline, "moid": None})))
        parts.append(render_to_string("operations/partials/map.html", map_context(lab)))
        parts.append(render_to_string("operations/partials/lab_events.html",
                                      {"events": Event.objects.filter(lab=lab)[:EVENTS_SHOWN]}))
        # the navbar's badge and the fault panel: a failure starts or ends with an event
        faults = active_faults(lab)
        parts.append(render_to_string("operations/partials/fault_badge.html", {"count": len(faults)}))
        parts.append(render_to_string("operations/partials/fault_panel.html", {"lab": lab, "faults": faults}))
    return "\n".join(parts)


def beat_html(upto: int, every: float) -> str:
    """The hub's heartbeat for a page: every batch up to `upto` went out to this socket; the next
    heartbeat comes in `every` seconds. The page swaps nothing for it (static/js/vcenter.js)."""
    return format_html('<span id="live-beat" data-upto="{}" data-every="{}" hidden></span>', upto, every)


def map_context(lab: Lab) -> dict:
    return {"lab": lab, "map": lab_map(lab)}


__all__ = ["render_batch", "beat_html", "map_context", "TREE_INLINE_VM_LIMIT"]
