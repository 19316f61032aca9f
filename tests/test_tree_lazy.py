"""The inventory tree of a big lab is lazy, as the vSphere Client's (issue 11, item 5): clusters
closed, a cluster's hosts and a host's VMs fetched when opened, the path to the selected object
open, the nodes the user opened kept open across pages (the vtree cookie). And the item 7
defects: Open Console opens the console, long names are cut with the full name on hover."""

import re

import pytest
from django.urls import reverse

from inventory.models import Cluster, Host, VirtualMachine
from inventory.presets import lab_create
from operations.services.migrate import vm_migrate


def tree_of(html: str) -> str:
    return html.split('id="tree-body"', 1)[1].split("</nav>", 1)[0]


@pytest.fixture
def big(owner):
    return lab_create(owner=owner, preset="scale", hosts=70, vms=700, cluster_size=32, quota=False)


def test_a_big_labs_tree_shows_clusters_closed_and_loads_children_when_opened(owner_client, big):
    tree = tree_of(owner_client.get(reverse("lab", args=[big.pk])).content.decode())
    cluster = Cluster.objects.filter(lab=big).order_by("name").first()
    assert cluster.name in tree and "esx0001.scale.local" not in tree and "VM00001" not in tree
    assert f'data-children="/labs/{big.moid}/tree/{cluster.moid}/"' in tree
    hosts = owner_client.get(reverse("tree-node", args=[big.pk, cluster.moid])).content.decode()
    assert "esx0001.scale.local" in hosts and "VM00001" not in hosts  # hosts come closed
    host = Host.objects.get(lab=big, name="esx0001.scale.local")
    vms = owner_client.get(reverse("tree-node", args=[big.pk, host.moid])).content.decode()
    assert "VM00001" in vms and f'href="/labs/{big.moid}/vm-' in vms


def test_the_path_to_the_selected_vm_is_open(owner_client, big):
    vm = VirtualMachine.objects.filter(lab=big, host__name="esx0040.scale.local").order_by("name").first()
    tree = tree_of(owner_client.get(reverse("object", args=[big.pk, vm.moid])).content.decode())
    assert "esx0040.scale.local" in tree and vm.name in tree and 'class="node vm sel' in tree
    assert "esx0001.scale.local" not in tree  # another cluster stays closed


def test_nodes_the_user_opened_stay_open_on_the_next_page(owner_client, big):
    host = Host.objects.get(lab=big, name="esx0002.scale.local")
    owner_client.cookies["vtree"] = f"domain-c{host.cluster_id}.{host.moid}"
    tree = tree_of(owner_client.get(reverse("object-tab", args=[big.pk, "root", "hosts"])).content.decode())
    assert "esx0001.scale.local" in tree and host.vms.order_by("name").first().name in tree
    assert "esx0033.scale.local" not in tree


def test_a_stranger_gets_no_tree_node(client, stranger, big):
    client.force_login(stranger)
    cluster = Cluster.objects.filter(lab=big).first()
    assert client.get(reverse("tree-node", args=[big.pk, cluster.moid])).status_code == 404


def test_open_console_in_the_commands_box_and_the_menu_opens_the_console(owner_client, lab, web01):
    vm = web01
    console = reverse("console", args=[lab.pk, vm.moid])
    for url in (reverse("object", args=[lab.pk, vm.moid]), reverse("menu", args=[lab.pk, vm.moid])):
        html = owner_client.get(url).content.decode()
        link = re.search(r'<a[^>]*href="([^"]*)"[^>]*>Open Console</a>', html)
        assert link and link.group(1) == console, url


def test_an_80_character_name_is_cut_with_the_full_name_on_hover(owner_client, owner, lab, web01, esx02):
    vm = web01
    name = "W" * 80
    VirtualMachine.objects.filter(pk=vm.pk).update(name=name)
    vm.refresh_from_db()
    vm_migrate(vm=vm, host=esx02, user=owner)
    html = owner_client.get(reverse("object", args=[lab.pk, vm.moid])).content.decode()
    assert f'<h1 title="{name}">' in html  # the header (CSS: ellipsis)
    assert re.search(rf'class="node vm[^"]*"[^>]*title="{name}"', tree_of(html))  # the tree
    recent = html.split('id="recent-tasks"', 1)[1]
    assert f'class="cut" href="/labs/{lab.moid}/{vm.moid}/" title="{name}"' in recent  # Recent Tasks
