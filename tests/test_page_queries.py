"""Every page and tab of a scale lab runs the same number of queries at 4 hosts as at 40, and fewer
than 25 (issue 11, item 5): nothing a page shows may read the inventory one object at a time.
Timings at the maxima are a benchmark (bench/pages.py), not a test."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.models import Cluster, Datacenter, Host, VirtualMachine
from inventory import selectors
from inventory.presets import lab_create
from operations import maps

MAX_QUERIES = 25
KINDS = {"root": "lab", "datacenter": "datacenter", "domain": "cluster", "host": "host", "vm": "vm"}
OVER_BUDGET: dict[str, int] = {}  # none: a VM's Maps tab is its VMotion resources alone (it was 32 with the datacenter map)


HX = {"HTTP_HX_REQUEST": "true"}


def page_urls(lab) -> dict[str, tuple]:
    """name -> (method, url, data[, headers]): the pages a user opens, on objects in the middle of the lab."""
    dc = Datacenter.objects.filter(lab=lab).first()
    cluster = Cluster.objects.filter(lab=lab).order_by("pk").last()
    host = Host.objects.filter(lab=lab, **({"cluster": cluster} if cluster else {})).order_by("pk").last()
    vm = VirtualMachine.objects.filter(lab=lab, host=host, power_state="poweredOn").order_by("pk").first() \
        or VirtualMachine.objects.filter(lab=lab, host=host).first()
    other = Host.objects.filter(lab=lab).exclude(pk=host.pk).order_by("pk").first()
    lab_id = lab.pk
    obj = lambda moid, tab=None: reverse("object-tab", args=[lab_id, moid, tab]) if tab else reverse("object", args=[lab_id, moid])  # noqa: E731
    wizard = reverse("action", args=[lab_id, vm.moid, "migrate"])
    urls = {
        "lab": ("get", reverse("lab", args=[lab_id]), {}),
        "datacenter": ("get", obj(dc.moid), {}),
        "cluster": ("get", obj(cluster.moid), {}) if cluster else None,
        "host": ("get", obj(host.moid), {}),
        "vm": ("get", obj(vm.moid), {}),
        "tree cluster children": ("get", reverse("tree-node", args=[lab_id, cluster.moid]), {}) if cluster else None,
        "tree host children": ("get", reverse("tree-host", args=[lab_id, host.pk]), {}),
        # the wizard runs in the page's dialog (htmx): its steps come without the page around them
        "wizard type": ("get", wizard, {}, HX),
        "wizard destination": ("post", wizard, {"step": "type", "type": "host", "go": "next"}, HX),
        "wizard validate": ("post", wizard, {"step": "host", "type": "host", "host": other.pk, "go": "check"}, HX),
        "wizard priority": ("post", wizard, {"step": "host", "type": "host", "host": other.pk, "go": "next"}, HX),
    }
    for moid, tabs in (("root", ["vms", "hosts", "datastores", "tasks", "maps"]),
                       (dc.moid, ["vms", "hosts", "datastores", "tasks", "maps"]),
                       *([(cluster.moid, ["vms", "hosts", "tasks", "maps"])] if cluster else []),
                       (host.moid, ["vms", "configuration", "tasks", "maps", "performance"]),
                       (vm.moid, ["tasks", "maps", "performance"])):
        for tab in tabs:
            urls[f"{KINDS[moid.split('-')[0]]} {tab}"] = ("get", obj(moid, tab), {})
    urls["lab vms page 2"] = ("get", obj("root", "vms"), {"page": 2})
    urls["lab hosts page 2"] = ("get", obj("root", "hosts"), {"page": 2})
    return {name: url for name, url in urls.items() if url is not None}


def query_counts(client, lab) -> dict[str, int]:
    counts = {}
    for name, (method, url, data, *extra) in page_urls(lab).items():
        with CaptureQueriesContext(connection) as ctx:
            response = getattr(client, method)(url, data, **(extra[0] if extra else {}))
        assert response.status_code in (200, 302, 422), (name, response.status_code)
        counts[name] = len(ctx.captured_queries)
    return counts


@pytest.fixture
def scale_labs(owner):
    small = lab_create(owner=owner, preset="scale", name="Small", hosts=4, vms=40, cluster_size=2, quota=False)
    large = lab_create(owner=owner, preset="scale", name="Large", hosts=40, vms=400, cluster_size=2, quota=False)
    return small, large


# A big lab's tree is lazy and its map drawn per cluster; a small one's whole. Each way is flat:
# the test runs both sizes drawn whole (bounds raised) and both summarised (bounds lowered).
MODES = {"whole": 10**6, "summarised": 2}


@pytest.mark.parametrize("mode", MODES)
def test_every_page_runs_as_many_queries_at_40_hosts_as_at_4_and_under_25(owner_client, scale_labs, mode, monkeypatch):
    monkeypatch.setattr(selectors, "TREE_INLINE_HOST_LIMIT", MODES[mode])
    monkeypatch.setattr(selectors, "TREE_INLINE_VM_LIMIT", MODES[mode])
    monkeypatch.setattr(maps, "MAX_HOSTS_DRAWN", MODES[mode])
    small, large = scale_labs
    query_counts(owner_client, small)  # warm: sessions, content types
    at_4, at_40 = query_counts(owner_client, small), query_counts(owner_client, large)
    print("\n".join(f"{name}: {at_4[name]} / {at_40[name]}" for name in at_4))
    grown = {name: (at_4[name], at_40[name]) for name in at_4 if at_40[name] != at_4[name]}
    assert not grown, f"query counts grow with the inventory (4 hosts / 40 hosts): {grown}"
    too_many = {name: n for name, n in at_40.items() if n >= MAX_QUERIES and n > OVER_BUDGET.get(name, 0)}
    assert not too_many, f"pages over {MAX_QUERIES} queries: {too_many}"
