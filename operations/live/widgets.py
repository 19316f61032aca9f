"""The registry of live widgets (docs/architecture.md, Live updates).

A widget is one region a page may show that follows the lab without reload: the VM header line,
a host's General and Resources boxes, a cluster's Summary, Recent Tasks, the Maps tab... Each
names the changes it depends on (`affected`: from a batch's changes, the keys of its instances to
render again) and renders its own fragment from the partial template the page renders first.

A page declares the widgets it shows: every live region carries `data-widget="<key>"` (a key is
the widget's name, or name:argument for one of many, e.g. `vm:12`, `usage:host-3`); the page's
socket sends that list when it opens and whenever it changes (hx-boost navigation, a dialog).
The runner's publisher names the instances a batch affects and renders none of them: rendering
is for pages, and a class's runner simulates thirty labs most of which nobody watches at a given
moment (rendering every affected widget of every busy lab on every step was a quarter of the
runner's time at 100x, three quarters at 1x: bench/engine.py). Each web process renders, once per
batch, the affected instances that its sockets' pages show (render_keys), and sends each socket
only the keys its page declared, the same bytes to every socket that shows the same ones.

A widget whose fragment would be too large for a live message (or too slow to draw, `too_big`)
is not sent: the sockets that show it get a resync instruction instead and re-fetch the page.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from inventory.models import Cluster, Datacenter, Host, Lab, VirtualMachine
from inventory.selectors import (
    TREE_INLINE_VM_LIMIT, active_faults, cluster_summary, datacenter_summary, host_live, inventory_tree, lab_counts, recent_tasks,
    tasks_and_events, usage_by_host, vm_live, vms_in,
)
from operations.maps import lab_map, vmotion_resources
from operations.models import Event, Task

log = logging.getLogger(__name__)
EVENTS_SHOWN = 100  # the vCenter's Tasks & Events tab, as the page shows it
VM_LIST_PUSHED = 200  # a host's or cluster's Virtual Machines tab is pushed while it fits one page
WIDGET_MAX_BYTES = 200_000  # a fragment above this is not sent: its pages resync instead
MAP_LIVE_MAX_HOSTS = 64  # above this the Maps tab is not redrawn per event: its pages resync

# events that change nothing a picture shows (Recent Tasks follows every batch anyway)
QUIET_EVENTS = {"ClockChangedEvent", "LabCreatedEvent"}
# vCenter's view of a host changed: its VMs' Summary boxes show "(disconnected)", or no longer
CONNECTION_EVENTS = {"HostNotRespondingEvent", "HostConnectedEvent", "HostDisconnectedEvent"}


@dataclass
class Changes:
    """What one batch changed, read once for every widget."""
    lab: Lab
    now: float
    inventory: bool = False  # an event other than the quiet ones
    vm_ids: set[int] = field(default_factory=set)
    host_ids: set[int] = field(default_factory=set)
    vms: dict[int, VirtualMachine] = field(default_factory=dict)
    hosts: dict[int, Host] = field(default_factory=dict)
    cluster_ids: set[int] = field(default_factory=set)
    datacenter_ids: set[int] = field(default_factory=set)
    memo: dict = field(default_factory=dict)  # what several widgets read, read once per batch
    records: list = field(default_factory=list)  # the batch's events and moving tasks (Tasks & Events tabs)

    def once(self, key, read: Callable):
        if key not in self.memo:
            self.memo[key] = read()
        return self.memo[key]

    def vm(self, pk: int) -> VirtualMachine:
        if pk not in self.vms:
            self.vms[pk] = VirtualMachine.objects.select_related("host").get(lab=self.lab, pk=pk)
        return self.vms[pk]

    def host(self, pk: int) -> Host:
        if pk not in self.hosts:
            self.hosts[pk] = Host.objects.select_related("cluster").get(lab=self.lab, pk=pk)
        return self.hosts[pk]

    def cluster(self, pk: int) -> dict:
        return self.once(("cluster", pk), lambda: cluster_summary(self.lab, Cluster.objects.get(lab=self.lab, pk=pk)))


def _ids(moids, prefix: str) -> set[int]:
    return {int(m[len(prefix):]) for m in moids if m and m.startswith(prefix) and m[len(prefix):].isdigit()}


def changes_of(lab: Lab, events: list[Event], busy_tasks: list[Task]) -> Changes:
    changed = [e for e in events if e.type not in QUIET_EVENTS]
    # the tasks the events are about: a task that ended is no longer moving, and its end's event may
    # name other objects than the task does (a VMotion's event: the destination; its task: the source)
    event_tasks = list(Task.objects.filter(pk__in={e.task_id for e in events if e.task_id})) if events else []
    c = Changes(lab=lab, now=lab.now(), inventory=bool(changed), records=[*events, *busy_tasks, *event_tasks])
    vm_ids = _ids([e.object_moid for e in changed] + [t.object_moid for t in busy_tasks], "vm-")
    if not changed:  # only progress moved (most batches while operations run): no row is read
        c.vm_ids = vm_ids
        c.host_ids = {p for t in busy_tasks for p in (t.params.get("src"), t.params.get("host")) if isinstance(p, int)}
        return c
    for host_id in _ids([e.object_moid for e in changed if e.type in CONNECTION_EVENTS], "host-"):
        vm_ids |= set(VirtualMachine.objects.filter(host_id=host_id).values_list("pk", flat=True)[:VM_LIST_PUSHED])
    host_ids = _ids([e.host_moid for e in changed] + [e.object_moid for e in changed], "host-")
    changed_tasks = {e.task_id for e in changed if e.task_id}
    for task in [*busy_tasks, *(t for t in event_tasks if t.pk in changed_tasks)]:
        host_ids |= {p for p in (task.params.get("src"), task.params.get("host")) if isinstance(p, int)}
    c.vms = {vm.pk: vm for vm in VirtualMachine.objects.filter(lab=lab, pk__in=vm_ids).select_related("host")}
    c.vm_ids = set(c.vms)
    host_ids |= {vm.host_id for vm in c.vms.values()}
    c.hosts = {h.pk: h for h in Host.objects.filter(lab=lab, pk__in=host_ids).select_related("cluster")}
    c.host_ids = set(c.hosts)
    c.cluster_ids = {h.cluster_id for h in c.hosts.values() if h.cluster_id}
    c.datacenter_ids = {h.datacenter_id for h in c.hosts.values()}
    return c


@dataclass(frozen=True)
class Widget:
    name: str
    affected: Callable[[Changes], Iterable[str]]  # the arguments ("" for a single one) this batch changes
    render: Callable[[Changes, str], str]  # one instance's fragment, by its argument
    too_big: Callable[[Changes], bool] | None = None  # known too large without drawing it
    lazy: bool = True  # rendered by the web processes whose pages show it, not by the publisher

    def key(self, arg: str) -> str:
        return f"{self.name}:{arg}" if arg else self.name


WIDGETS: dict[str, Widget] = {}


def widget(name: str, affected: Callable[[Changes], Iterable[str]], too_big=None, lazy: bool = True):
    """Register a widget: `@widget("name", affected=...)` on its render(changes, arg) function.
    `lazy` (every widget today): the batch names the affected instances, and only a web process
    with a socket that shows one renders it (once). An eager widget (lazy=False) is rendered by the
    publisher into the batch itself, for every batch that affects it, watched or not."""
    def register(render):
        WIDGETS[name] = Widget(name, affected, render, too_big, lazy)
        return render
    return register


def _always(c: Changes):
    return [""]


def _on_inventory(c: Changes):
    return [""] if c.inventory else []


# --- the widgets ----------------------------------------------------------------------------------

@widget("tasks", affected=_always)
def _recent_tasks(c: Changes, arg: str) -> str:
    return render_to_string("operations/partials/recent_tasks_body.html",
                            {"lab": c.lab, "tasks": recent_tasks(c.lab), "pushed": True})


@widget("vm", affected=lambda c: [str(pk) for pk in c.vm_ids])
def _vm_live(c: Changes, arg: str) -> str:
    return render_to_string("inventory/partials/vm_live.html", vm_live(c.lab, c.vm(int(arg)), c.now))


@widget("head", affected=lambda c: [f"vm-{pk}" for pk in c.vm_ids] + [f"host-{pk}" for pk in c.host_ids])
def _objhead(c: Changes, arg: str) -> str:
    kind, pk = arg.split("-", 1)
    obj = c.vm(int(pk)) if kind == "vm" else c.host(int(pk))
    return render_to_string("inventory/partials/objhead.html", {"obj": obj, "kind": kind, "lab": c.lab})


@widget("host", affected=lambda c: [str(pk) for pk in c.host_ids])
def _host_live(c: Changes, arg: str) -> str:
    return render_to_string("inventory/partials/host_live.html", host_live(c.host(int(arg))))


def _usage_affected(c: Changes):
    if not c.inventory and not c.vm_ids:
        return []
    return [f"host-{pk}" for pk in c.host_ids] + [f"domain-c{pk}" for pk in c.cluster_ids]


@widget("usage", affected=_usage_affected)
def _usage(c: Changes, arg: str) -> str:
    if arg.startswith("host-"):
        host = c.host(int(arg[5:]))
        context = {"obj": host, "usage": usage_by_host([host])[host.pk]}
    else:
        context = c.cluster(int(arg.rsplit("c", 1)[1]))
    return render_to_string("inventory/partials/usage_box.html", context)


@widget("cluster", affected=lambda c: [str(pk) for pk in c.cluster_ids] if c.inventory else [])
def _cluster_general(c: Changes, arg: str) -> str:
    return render_to_string("inventory/partials/cluster_general.html", c.cluster(int(arg)))


@widget("datacenter", affected=lambda c: [str(pk) for pk in c.datacenter_ids] if c.inventory else [])
def _datacenter_general(c: Changes, arg: str) -> str:
    context = datacenter_summary(c.lab, Datacenter.objects.get(lab=c.lab, pk=int(arg)))
    return render_to_string("inventory/partials/datacenter_general.html", context)


@widget("root", affected=_on_inventory)
def _root_general(c: Changes, arg: str) -> str:
    return render_to_string("inventory/partials/root_general.html", {"counts": lab_counts(c.lab)})


def _vm_lists(c: Changes):
    if not c.inventory:
        return []
    return [f"host-{pk}" for pk in c.host_ids] + [f"domain-c{pk}" for pk in c.cluster_ids]


@widget("vms", affected=_vm_lists)
def _vm_list(c: Changes, arg: str) -> str:
    """A host's or cluster's Virtual Machines tab, while it fits one page (a page further on is
    the reader's: not replaced, the page resyncs instead)."""
    if arg.startswith("host-"):
        obj, kind = c.host(int(arg[5:])), "host"
        vms = list(vms_in(c.lab, obj, kind).select_related("host", "datastore")[:VM_LIST_PUSHED + 1])
    else:
        summary = c.cluster(int(arg.rsplit("c", 1)[1]))
        if summary["vms_count"] > VM_LIST_PUSHED:
            return ""
        obj, kind = summary["obj"], "cluster"
        vms = list(vms_in(c.lab, obj, kind).select_related("host", "datastore"))
    if len(vms) > VM_LIST_PUSHED:
        return ""
    return render_to_string("inventory/partials/vm_list.html", {
        "obj": obj, "page": Paginator(vms, VM_LIST_PUSHED).get_page(1), "pushed": True})


@widget("tree", affected=_on_inventory)
def _tree(c: Changes, arg: str) -> str:
    """The tree as it is pushed today (while it lists VMs); the tree's own templates are untouched."""
    if c.once("vms", lambda: VirtualMachine.objects.filter(lab=c.lab).count()) > TREE_INLINE_VM_LIMIT:
        return ""  # the tree does not list VMs: nothing of it changes with one (a lazy tree is its own widget)
    tree, vms_inline = inventory_tree(c.lab)
    if not vms_inline:
        return ""
    return format_html('<div id="tree-body" data-widget="tree">{}</div>', render_to_string(
        "inventory/partials/tree.html", {"lab": c.lab, "tree": tree, "vms_inline": vms_inline, "moid": None}))


@widget("treenode", affected=lambda c: [f"host-{pk}" for pk in c.host_ids] if c.inventory else [])
def _tree_host_node(c: Changes, arg: str) -> str:
    """A host's node in the lazy tree (a lab too large for the whole tree to be pushed): its icon,
    greying and state ("not responding"); its children, loaded by the page, stay as they are."""
    host = c.host(int(arg.split("-", 1)[1]))
    return render_to_string("inventory/partials/tree_host_node.html", {
        "th": {"host": host}, "vms_inline": False, "moid": None,
        "base": c.once("base", lambda: reverse("lab", args=[c.lab.pk]))})


def _map_too_big(c: Changes) -> bool:
    return Host.objects.filter(lab=c.lab).count() > MAP_LIVE_MAX_HOSTS


@widget("map", affected=_on_inventory, too_big=_map_too_big)
def _map(c: Changes, arg: str) -> str:
    return render_to_string("operations/partials/map.html", {"lab": c.lab, "map": lab_map(c.lab)})


def _records_affected(c: Changes):
    """The objects whose Tasks & Events tab lists one of the batch's events or moving tasks: the
    object itself and what contains it (Event.about, Task.about)."""
    moids = {m for r in c.records for m in (r.object_moid, r.host_moid, r.cluster_moid, r.datacenter_moid) if m}
    return sorted(moids)


@widget("objtasks", affected=_records_affected)
def _object_tasks(c: Changes, arg: str) -> str:
    return render_to_string("inventory/partials/object_tasks.html",
                            {"obj": {"moid": arg}, "lab": c.lab, **tasks_and_events(c.lab, arg)})


@widget("labtasks", affected=lambda c: [""] if c.records else [])
def _lab_tasks(c: Changes, arg: str) -> str:
    return render_to_string("operations/partials/lab_tasks.html", {"lab": c.lab, "tasks": tasks_and_events(c.lab)["tasks"]})


@widget("events", affected=_on_inventory)
def _lab_events(c: Changes, arg: str) -> str:
    return render_to_string("operations/partials/lab_events.html",
                            {"events": Event.objects.filter(lab=c.lab)[:EVENTS_SHOWN]})


def provide_render(name: str, render: Callable[[Changes, str], str]) -> None:
    """A widget declared here (what it depends on) whose fragment a higher layer draws: the Commands
    box lists the menus of inventory/actions.py, a web-layer module that the simulation worker does
    not load. Every widget is rendered by web processes (lazy), so only they need the renderer; the
    web layer provides it when it loads (operations/live/consumers.py imports inventory.actions)."""
    WIDGETS[name] = replace(WIDGETS[name], render=render)


def _provided_by_the_web_layer(c: Changes, arg: str) -> str:
    raise LookupError("this widget's renderer was not provided (provide_render): the page resyncs")


@widget("commands", affected=lambda c: [f"vm-{pk}" for pk in c.vm_ids] + [f"host-{pk}" for pk in c.host_ids]
        if c.inventory else [])
def _commands(c: Changes, arg: str) -> str:
    """A VM's or host's Summary Commands box (Power On becomes Power Off...)."""
    return _provided_by_the_web_layer(c, arg)


ALL = "*"  # an instance argument meaning every instance of the widget (wanted_keys)


@widget("reach", affected=lambda c: [ALL] if c.inventory else [])
def _reach(c: Changes, arg: str) -> str:
    """A VM's VMotion resources map (its Maps tab): any inventory change may change where it can
    move (a host's state, its VMotion port, a datastore, a reservation), so every batch with an
    event names all its instances at once (reach:*) instead of listing every VM of the lab."""
    vm = c.vm(int(arg))
    return render_to_string("operations/partials/reach.html", {"obj": vm, "reach": vmotion_resources(vm)})


def wanted_keys(shown, lazy) -> set[str]:
    """The lazy widget keys of a batch that a page showing `shown` needs rendered: those named,
    and every shown instance of a widget the batch names as `name:*`."""
    lazy = set(lazy)
    everyone = {key[:-len(ALL) - 1] for key in lazy if key.endswith(":" + ALL)}
    return {key for key in shown if key in lazy or key.partition(":")[0] in everyone}


def _faults(c: Changes) -> list:
    return c.once("faults", lambda: active_faults(c.lab))


@widget("fault-badge", affected=_on_inventory)
def _fault_badge(c: Changes, arg: str) -> str:
    return render_to_string("operations/partials/fault_badge.html", {"count": len(_faults(c))})


@widget("fault-panel", affected=_on_inventory)
def _fault_panel(c: Changes, arg: str) -> str:
    return render_to_string("operations/partials/fault_panel.html", {"lab": c.lab, "faults": _faults(c)})


# --- a batch -------------------------------------------------------------------------------------

def render_widgets(changes: Changes) -> tuple[dict[str, str], list[str], list[str]]:
    """Every widget instance this batch changed, rendered once: (key -> fragment, stale keys, lazy
    keys). A stale key is one whose fragment is too large to push: its pages resync. A lazy key is
    rendered by the web processes that show it (render_keys)."""
    fragments: dict[str, str] = {}
    stale: list[str] = []
    lazy: list[str] = []
    timings.clear()
    for w in WIDGETS.values():
        started = time.perf_counter()
        args = list(dict.fromkeys(w.affected(changes)))
        if not args:
            continue
        if w.lazy:
            lazy += [w.key(a) for a in args]
            continue
        if w.too_big is not None and w.too_big(changes):  # for a lazy widget: render_keys asks
            stale += [w.key(a) for a in args]
            continue
        for arg in args:
            html = w.render(changes, arg)
            if len(html.encode()) > WIDGET_MAX_BYTES:
                stale.append(w.key(arg))
            elif html:
                fragments[w.key(arg)] = html
        timings[w.name] = (time.perf_counter() - started) * 1000
    return fragments, stale, lazy


def render_keys(lab_id: int, keys) -> tuple[dict[str, str], list[str]]:
    """Lazy widget instances, by key, as they stand now (a web process renders those its pages
    show, once per batch): (key -> fragment, stale keys)."""
    lab = Lab.objects.get(pk=lab_id)
    changes = Changes(lab=lab, now=lab.now(), inventory=True)
    fragments: dict[str, str] = {}
    stale: list[str] = []
    too_big: dict[str, bool] = {}
    for key in sorted(keys):
        name, _, arg = key.partition(":")
        w = WIDGETS.get(name)
        if w is None:
            continue
        if w.too_big is not None:
            if name not in too_big:
                too_big[name] = w.too_big(changes)
            if too_big[name]:
                stale.append(key)
                continue
        try:
            html = w.render(changes, arg)
        except ObjectDoesNotExist:  # its object is gone (a VM removed): nothing of it to draw; the
            continue                # pages that showed it learn it from the tree and Recent Tasks
        except Exception:  # anything else: the page resyncs
            log.exception("lab %s: live widget %s could not be rendered", lab_id, key)
            stale.append(key)
            continue
        if len(html.encode()) > WIDGET_MAX_BYTES:
            stale.append(key)
        elif html:
            fragments[key] = html
    return fragments, stale


timings: dict[str, float] = {}  # widget -> ms spent rendering its instances in the last batch (bench)
