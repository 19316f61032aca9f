"""Read-only pages: the home page, and each inventory object with its tabs."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from inventory.actions import actions_for, kind_of
from inventory.forms import NewLabForm
from inventory.models import Cluster, Datastore, Host
from inventory.presets import PRESETS
from inventory.selectors import (
    PAGE_SIZE, TreeHost, cluster_summary, datacenter_summary, datastores_in, host_live, hosts_in, hosts_with_counts,
    id_number, inventory_tree, lab_counts, tasks_and_events, lab_for, labs_visible_to, object_for, recent_tasks, tree_opened,
    usage_by_host, vm_live, vms_in, with_space,
)
from operations.live.fragments import map_context
from operations.maps import vmotion_resources
from operations.perf import charts_for

TREE_COOKIE = "vtree"  # the lazy tree's open nodes (static/js/tree.js)

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
    context.update(lab_frame(lab, request, obj))
    return render(request, f"inventory/tabs/{tab if tab != 'summary' else kind + '_summary'}.html", context)


def lab_frame(lab, request=None, obj=None) -> dict:
    """What every lab page shows around the selected object: the tree (lazy in a big lab: the
    path to `obj` and the nodes the user opened) and Recent Tasks."""
    opened = tree_opened(request.COOKIES.get(TREE_COOKIE) if request is not None else None, obj)
    tree, vms_inline = inventory_tree(lab, opened)
    return {"tree": tree, "vms_inline": vms_inline, "recent_tasks": recent_tasks(lab)}


def object_menu(request, lab_id: int, moid: str):
    """The right-click menu of a tree node: the same commands as the Summary tab."""
    lab = lab_for(request.user, lab_id)
    obj = lab_object(lab, moid)
    return render(request, "inventory/partials/menu.html", {"lab": lab, "obj": obj, "actions": actions_for(obj)})


def tree_host_children(request, lab_id: int, host_id: int):
    return tree_children(request, lab_id, f"host-{host_id}")


def tree_children(request, lab_id: int, moid: str):
    """A node's children in the lazy tree, fetched when the node is opened: a host's VMs, a
    cluster's hosts (closed). One query for the node, one for its children."""
    lab = lab_for(request.user, lab_id)
    if moid.startswith("host-"):
        host = get_object_or_404(Host, lab=lab, pk=id_number(moid[len("host-"):]))
        vms = host.vms.only("id", "name", "host_id", "power_state", "ft_role")
        return render(request, "inventory/partials/tree_vms.html", {"lab": lab, "vms": vms, "host": host})
    if moid.startswith("domain-c"):
        cluster = get_object_or_404(Cluster, lab=lab, pk=id_number(moid[len("domain-c"):]))
        hosts = [TreeHost(h, open=False) for h in cluster.hosts.all()]
        return render(request, "inventory/partials/tree_hosts.html", {"lab": lab, "hosts": hosts, "cluster": cluster})
    raise Http404("No such tree node")


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
    # the page first, then its space and hosts: aggregating every datastore of a big lab to show 200 took 200 ms
    page = _page(request, datastores_in(lab, obj, kind).order_by("name", "pk"))
    shown = with_space(Datastore.objects.filter(pk__in=[d.pk for d in page.object_list])).annotate(
        host_count=Count("hosts", distinct=True))
    rows = {d.pk: d for d in shown}
    page.object_list = [rows[d.pk] for d in page.object_list]
    return {"page": page}


def configuration_data(request, lab, host, kind) -> dict:
    vswitches = host.vswitches.prefetch_related("portgroups__vmknic", "portgroups__network")
    return {"vswitches": vswitches, "datastores": with_space(host.datastores.all()),
            "logical_cpus": host.sockets * host.cores_per_socket}


def tasks_data(request, lab, obj, kind) -> dict:
    return tasks_and_events(lab, None if kind == "root" else obj.moid)


def maps_data(request, lab, obj, kind) -> dict:
    if kind == "vm":  # a VM's map is its own: where it could move (vSphere's VMotion Resources map)
        return {"reach": vmotion_resources(obj)}
    return map_context(lab)


def performance_data(request, lab, obj, kind) -> dict:
    return {"charts": charts_for(lab, obj)}


TAB_DATA = {
    "summary": summary_data, "vms": vms_data, "hosts": hosts_data, "datastores": datastores_data,
    "configuration": configuration_data, "tasks": tasks_data, "maps": maps_data, "performance": performance_data,
}
