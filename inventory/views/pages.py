"""Read-only pages: the home page, and each inventory object with its tabs."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from inventory.actions import actions_for, kind_of
from inventory.forms import NewLabForm
from inventory.models import Datastore, Host
from inventory.presets import PRESETS
from inventory.selectors import (
    PAGE_SIZE, cluster_summary, datacenter_summary, datastores_in, host_live, hosts_in, hosts_with_counts,
    inventory_tree, lab_counts, lab_for, labs_visible_to, object_for, recent_tasks, usage_by_host, vm_live,
    vms_in, with_space,
)
from operations.live.fragments import map_context
from operations.maps import vmotion_resources
from operations.models import Event, Task
from operations.perf import charts_for

TAB_LABELS = {
    "summary": "Summary", "vms": "Virtual Machines", "hosts": "Hosts", "datastores": "Datastores",
    "configuration": "Configuration", "tasks": "Tasks & Events", "performance": "Performance", "maps": "Maps",
}
TABS = {
    "root": ["summary", "vms", "hosts", "datastores", "tasks", "maps"],
    "datacenter": ["summary", "vms", "hosts", "datastores", "tasks", "maps"],
    "cluster": ["summary", "vms", "hosts", "tasks", "maps"],
    "host": ["summary", "vms", "performance", "configuration", "tasks", "maps"],
    "vm": ["summary", "performance", "tasks", "maps"],
    "datastore": ["summary", "vms", "hosts", "tasks"],
    "network": ["summary", "vms", "hosts", "tasks"],
}


def home(request):
    labs = labs_visible_to(request.user).prefetch_related("members")
    return render(request, "inventory/home.html", {
        "labs": labs, "form": NewLabForm(), "presets": PRESETS,
    })


def lab_object(lab, moid: str):
    return lab if moid == "root" else object_for(lab, moid)


def object_page(request, lab_id: int, moid: str = "root", tab: str = "summary"):
    lab = lab_for(request.user, lab_id)
    obj = lab_object(lab, moid)
    kind = kind_of(obj)
    if tab not in TABS[kind]:
        raise Http404("No such tab")
    context = {
        "lab": lab, "obj": obj, "kind": kind, "tab": tab, "moid": moid,
        "tabs": [(t, TAB_LABELS[t]) for t in TABS[kind]],
        "actions": actions_for(obj),
    }
    context.update(TAB_DATA[tab](request, lab, obj, kind))
    context.update(lab_frame(lab))
    return render(request, f"inventory/tabs/{tab if tab != 'summary' else kind + '_summary'}.html", context)


def lab_frame(lab) -> dict:
    """What every lab page shows around the selected object: the tree and Recent Tasks."""
    tree, vms_inline = inventory_tree(lab)
    return {"tree": tree, "vms_inline": vms_inline, "recent_tasks": recent_tasks(lab)}


def object_menu(request, lab_id: int, moid: str):
    """The right-click menu of a tree node: the same commands as the Summary tab."""
    lab = lab_for(request.user, lab_id)
    obj = lab_object(lab, moid)
    return render(request, "inventory/partials/menu.html", {"lab": lab, "obj": obj, "actions": actions_for(obj)})


def tree_host_children(request, lab_id: int, host_id: int):
    """A host's VMs for the tree, fetched when the host is opened in a large lab."""
    lab = lab_for(request.user, lab_id)
    host = get_object_or_404(Host, lab=lab, pk=host_id)
    vms = host.vms.only("id", "name", "power_state", "ft_role")
    return render(request, "inventory/partials/tree_vms.html", {"lab": lab, "vms": vms, "host": host})


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- tab data ----------------------------------------------------------------------------------

def summary_data(request, lab, obj, kind) -> dict:
    if kind == "root":
        return {"counts": lab_counts(lab)}
    if kind == "datacenter":
        return datacenter_summary(lab, obj)
    if kind == "cluster":
        return cluster_summary(lab, obj)
    if kind == "host":
        return {
            "usage": usage_by_host([obj])[obj.pk],
            "datastores": with_space(obj.datastores.all()),
            "vmknics": obj.vmknics.select_related("portgroup", "portgroup__vswitch"),
            "networks": obj.portgroups.filter(network__isnull=False).select_related("network"),
            **host_live(obj),
        }
    if kind == "vm":
        return {
            "disks": obj.disks.select_related("datastore"), "nics": obj.nics.select_related("network"),
            "snapshots": obj.snapshots.all(), **vm_live(lab, obj),
        }
    if kind == "datastore":
        return {"ds": with_space(Datastore.objects.filter(pk=obj.pk)).get(), "hosts": obj.hosts.all(),
                "vms_count": vms_in(lab, obj, kind).count()}
    return {"hosts": hosts_in(lab, obj, kind), "vms_count": vms_in(lab, obj, kind).count()}


def vms_data(request, lab, obj, kind) -> dict:
    return {"page": _page(request, vms_in(lab, obj, kind).select_related("host", "datastore"))}


def hosts_data(request, lab, obj, kind) -> dict:
    page = _page(request, hosts_with_counts(hosts_in(lab, obj, kind)).order_by("name", "pk"))
    usage = usage_by_host(page.object_list)
    return {"page": page, "rows": [(h, usage[h.pk]) for h in page.object_list]}


def datastores_data(request, lab, obj, kind) -> dict:
    datastores = with_space(datastores_in(lab, obj, kind)).annotate(host_count=Count("hosts", distinct=True))
    return {"page": _page(request, datastores.order_by("name", "pk"))}


def configuration_data(request, lab, host, kind) -> dict:
    vswitches = host.vswitches.prefetch_related("portgroups__vmknic", "portgroups__network")
    return {"vswitches": vswitches, "datastores": with_space(host.datastores.all())}


def tasks_data(request, lab, obj, kind) -> dict:
    tasks = Task.objects.filter(lab=lab)
    events = Event.objects.filter(lab=lab)
    if kind != "root":
        tasks, events = tasks.filter(Task.about(obj.moid)), events.filter(Event.about(obj.moid))
    return {"tasks": tasks[:100], "events": events[:100]}


def maps_data(request, lab, obj, kind) -> dict:
    context = map_context(lab)
    if kind == "vm":
        context["reach"] = vmotion_resources(obj)
    return context


def performance_data(request, lab, obj, kind) -> dict:
    return {"charts": charts_for(lab, obj)}


TAB_DATA = {
    "summary": summary_data, "vms": vms_data, "hosts": hosts_data, "datastores": datastores_data,
    "configuration": configuration_data, "tasks": tasks_data, "maps": maps_data, "performance": performance_data,
}
