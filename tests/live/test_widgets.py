"""The registry of live widgets: each socket receives only the widgets its page shows, the same
bytes to every socket that shows them; one inventory event in a large lab stays small; no frame
exceeds the transport's limit (split, or a resync instruction); a batch the channel layer refuses
is not published."""

import pytest
from asgiref.sync import sync_to_async

from inventory.models import Lab, VirtualMachine
from inventory.presets import lab_create
from operations.live import publisher
from operations.live.fragments import MESSAGE_MAX_BYTES, compose
from operations.live.publisher import collect, publish
from operations.services.power import vm_power
from tests.conftest import Sim

from .conftest import declare, open_live, owner_cookie  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]
KB = 1024


async def drain(socket) -> list[str]:
    messages = []
    while not await socket.receive_nothing(timeout=0.2):
        messages.append(await socket.receive_from())
    return messages


async def step(sim, seconds=0.0):
    await sync_to_async(sim.run)(seconds)
    await publish(sim.take_batches())


@pytest.fixture
def big_lab(owner):
    """A scale lab where the datacenter map would be large (80 hosts, 400 VMs)."""
    lab = lab_create(owner=owner, preset="scale", name="Big", hosts=80, vms=400, quota=False)
    Lab.objects.filter(pk=lab.pk).update(clock_paused=True)
    lab.refresh_from_db()
    VirtualMachine.objects.filter(pk=VirtualMachine.objects.filter(lab=lab).order_by("pk").last().pk).update(
        power_state="poweredOff")  # the one this test powers on
    return lab


async def test_each_socket_gets_only_its_pages_widgets_and_the_maps_tab_a_resync(big_lab, owner, owner_cookie):
    sim = Sim(big_lab)
    vm = await sync_to_async(lambda: VirtualMachine.objects.filter(lab=big_lab, power_state="poweredOff")
                             .select_related("host").first())()
    summary = ["tasks", "fault-badge", f"vm:{vm.pk}", f"head:{vm.moid}"]  # the VM's Summary tab
    vm_page, _ = await open_live(big_lab, owner_cookie, widgets=summary)
    same_page, _ = await open_live(big_lab, owner_cookie, widgets=list(reversed(summary)))
    maps_tab, _ = await open_live(big_lab, owner_cookie, widgets=["tasks", "fault-badge", "map", "head:root"])
    host_page, _ = await open_live(big_lab, owner_cookie, widgets=[
        "tasks", f"host:{vm.host_id}", f"usage:{vm.host.moid}", f"usage:domain-c{vm.host.cluster_id}",
        f"cluster:{vm.host.cluster_id}", f"datacenter:{vm.host.datacenter_id}"])
    await step(sim)  # the lab's creation
    for socket in (vm_page, same_page, maps_tab, host_page):
        await drain(socket)

    await sync_to_async(vm_power)(vm=vm, action="power-on", user=owner)
    await step(sim, 30)
    mine, same, maps, host = [await drain(s) for s in (vm_page, same_page, maps_tab, host_page)]
    for frames in (mine, maps, host):
        assert frames and all(len(f.encode()) < 50 * KB for f in frames)  # one event: small for everyone
    assert mine == same  # the same widgets: the same bytes
    text = "\n".join(mine)
    assert f'id="vm-{vm.pk}-live"' in text and "Powered On" in text and f'id="objhead-{vm.moid}"' in text
    assert 'id="lab-map"' not in text and 'id="tree-body"' not in text and 'id="lab-events"' not in text
    assert f'id="host-{vm.host_id}-live"' not in text  # this page has no host box
    maps_text = "\n".join(maps)
    assert 'id="lab-map"' not in maps_text and 'data-resync="1"' in maps_text  # too large to push: re-fetch
    assert 'data-resync' not in text
    host_text = "\n".join(host)
    for region in (f'id="host-{vm.host_id}-live"', f'id="usage-{vm.host.moid}"', f'id="usage-domain-c{vm.host.cluster_id}"',
                   f'id="cluster-{vm.host.cluster_id}-general"', f'id="datacenter-{vm.host.datacenter_id}-general"'):
        assert region in host_text
    for socket in (vm_page, same_page, maps_tab, host_page):
        await socket.disconnect()


async def test_a_page_that_navigates_tells_its_socket_and_gets_the_new_widgets(lab, owner, owner_cookie, xp01, sim):
    socket, _ = await open_live(lab, owner_cookie, widgets=["tasks"])
    await step(sim)
    await drain(socket)
    answer = await declare(socket, ["tasks", f"vm:{xp01.pk}"])  # the same socket, another page
    assert 'data-ack="1"' in answer
    await sync_to_async(vm_power)(vm=xp01, action="power-on", user=owner)
    await step(sim, 30)
    text = "\n".join(await drain(socket))
    assert f'id="vm-{xp01.pk}-live"' in text and 'id="tree-body"' not in text
    await socket.disconnect()


def test_frames_are_split_under_the_limit_and_a_fragment_too_large_becomes_a_resync():
    widgets = {f"w{i}": f'<div id="w{i}">' + "x" * 300 + "</div>" for i in range(10)}
    message = {"prev": 4, "seq": 5, "widgets": {**widgets, "huge": '<div id="huge">' + "y" * 5000 + "</div>"},
               "stale": []}
    frames = compose(message, frozenset(widgets), limit=1000)
    assert len(frames) > 1 and all(len(f.encode()) <= 1000 for f in frames)
    assert frames[0].startswith('<span id="live-seq" data-seq="5" data-prev="4" hidden>')
    assert all(f'id="w{i}"' in "".join(frames) for i in range(10))
    with_huge = compose(message, frozenset(["w1", "huge"]), limit=1000)
    assert 'data-resync="1"' in with_huge[0] and 'id="huge"' not in "".join(with_huge)
    assert all(len(f.encode()) <= 1000 for f in with_huge)
    assert MESSAGE_MAX_BYTES < 1024 * 1024  # the websocket server's frame limit


def test_a_batch_the_layer_refuses_is_not_published(lab, owner, xp01, sim, monkeypatch):
    import asyncio

    sim.run()
    asyncio.run(publish(sim.take_batches()))
    vm_power(vm=xp01, action="power-on", user=owner)
    sim.run(30)
    batches = sim.take_batches()
    seq = Lab.objects.get(pk=lab.pk).published_seq
    assert batches and seq == lab.event_seq or seq > 0

    class Down:
        async def group_send(self, group, message):
            raise ConnectionError("the channel layer is down")

    monkeypatch.setattr(publisher, "get_channel_layer", lambda: Down())
    asyncio.run(publish(batches))
    prev = min(m["prev"] for _, m in batches if m["seq"] != m["prev"])
    assert Lab.objects.get(pk=lab.pk).published_seq == prev  # not sent: not published
    again = collect({lab.pk}, {})
    assert again and again[0][1]["seq"] == seq  # the next step renders it again


async def test_the_tasks_and_events_tabs_follow_their_objects_live(lab, owner, owner_cookie, xp01, esx02, web01, sim):
    """A VM's and its host's Tasks & Events tabs show the VM's new task and event as they happen,
    and its progress; another VM's tab gets nothing; the vCenter's tab gets its tasks table."""
    vm_tab, _ = await open_live(lab, owner_cookie, widgets=["tasks", f"objtasks:{xp01.moid}"])
    host_tab, _ = await open_live(lab, owner_cookie, widgets=["tasks", f"objtasks:{esx02.moid}"])
    other_tab, _ = await open_live(lab, owner_cookie, widgets=["tasks", f"objtasks:{web01.moid}"])
    root_tab, _ = await open_live(lab, owner_cookie, widgets=["tasks", "labtasks", "events"])
    await step(sim)
    for socket in (vm_tab, host_tab, other_tab, root_tab):
        await drain(socket)

    await sync_to_async(vm_power)(vm=xp01, action="power-on", user=owner)  # XP-Client01 is on esx02
    await step(sim, 1)
    vm_text, host_text, other_text, root_text = ["\n".join(await drain(s)) for s in (vm_tab, host_tab, other_tab, root_tab)]
    for text in (vm_text, host_text):
        assert 'id="object-tasks"' in text and "Power On virtual machine" in text
    assert 'id="object-tasks"' not in other_text  # about web01 on esx01: nothing of it changed
    assert 'id="lab-tasks"' in root_text and "Power On virtual machine" in root_text
    await step(sim, 30)
    vm_text = "\n".join(await drain(vm_tab))
    assert "Completed" in vm_text and "powered on" in vm_text.lower()  # the task's end and its event
    for socket in (vm_tab, host_tab, other_tab, root_tab):
        await socket.disconnect()


async def test_a_vms_vmotion_resources_map_follows_its_vmotion(lab, owner, owner_cookie, web01, esx02, sim):
    """The VM's Maps tab (reach:<pk>) is redrawn when anything in the inventory changes: after the
    VMotion its current host is esx02; a page without the map gets none."""
    from operations.services.migrate import vm_migrate

    maps_tab, _ = await open_live(lab, owner_cookie, widgets=["tasks", f"reach:{web01.pk}"])
    summary, _ = await open_live(lab, owner_cookie, widgets=["tasks", f"vm:{web01.pk}"])
    await step(sim)
    await drain(maps_tab), await drain(summary)
    await sync_to_async(vm_migrate)(vm=web01, host=esx02, user=owner, priority="high")
    await step(sim, 120)
    text = "\n".join(await drain(maps_tab))
    assert 'id="vm-reach"' in text
    current = text.split("Current host")[0].rsplit("<tr>", 1)[1]
    assert esx02.name in current  # the row marked "Current host" is esx02's now
    assert 'id="vm-reach"' not in "\n".join(await drain(summary))
    for socket in (maps_tab, summary):
        await socket.disconnect()


async def test_the_commands_box_follows_the_power_state(lab, owner, owner_cookie, xp01, sim):
    """A VM Summary's Commands box offers Power Off once the VM is on, without a reload; the
    pushed box carries no one's CSRF token (the same bytes go to every socket)."""
    socket, _ = await open_live(lab, owner_cookie, widgets=["tasks", f"commands:{xp01.moid}"])
    await step(sim)
    await drain(socket)
    await sync_to_async(vm_power)(vm=xp01, action="power-on", user=owner)
    await step(sim, 30)
    text = "\n".join(await drain(socket))
    box = text.split(f'id="commands-{xp01.moid}"', 1)[1].split("</div>", 1)[0]
    assert ">Power Off<" in box and ">Power On<" not in box
    assert "csrfmiddlewaretoken" not in box
    await socket.disconnect()


async def test_a_host_node_of_the_lazy_tree_follows_the_host(owner, owner_cookie):
    """In a lab too large for the whole tree to be pushed, a host's node shows its new state live
    ("disconnected", greyed) on the pages that show it."""
    from inventory.models import Host
    from operations.services.host_commands import host_disconnect

    lab = await sync_to_async(lab_create)(owner=owner, preset="scale", name="Big", hosts=16, vms=480, quota=False)
    await sync_to_async(Lab.objects.filter(pk=lab.pk).update)(clock_paused=True)
    host = await sync_to_async(lambda: Host.objects.filter(lab=lab).order_by("name").first())()
    sim = await sync_to_async(Sim)(lab)
    socket, _ = await open_live(lab, owner_cookie, widgets=["tasks", f"treenode:{host.moid}"])
    await step(sim)
    await drain(socket)
    await sync_to_async(host_disconnect)(host=host, user=owner)
    await step(sim, 10)
    text = "\n".join(await drain(socket))
    node = text.split(f'id="treenode-{host.moid}"', 1)[1].split("</a>", 1)[0]
    assert "greyed" in node and "(disconnected)" in node
    await socket.disconnect()


async def test_the_source_hosts_tasks_tab_sees_the_vmotion_end(lab, owner, owner_cookie, web01, esx01, esx02, sim):
    """The VMotion's end event names the destination (the VM is there now), its task the source:
    the source host's Tasks & Events tab shows the task Completed, not stuck at its last progress."""
    from operations.services.migrate import vm_migrate

    src_tab, _ = await open_live(lab, owner_cookie, widgets=["tasks", f"objtasks:{esx01.moid}"])
    await step(sim)
    await drain(src_tab)
    task = await sync_to_async(vm_migrate)(vm=web01, host=esx02, user=owner, priority="high")
    await step(sim, 8)
    assert 'id="object-tasks"' in "\n".join(await drain(src_tab))  # it follows the progress
    await step(sim, 120)  # the VMotion ends within this
    text = "\n".join(await drain(src_tab))
    row = text.rsplit('id="object-tasks"', 1)[1].split(f'id="task-{task.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Completed" in row and "Cancel" not in row
    await src_tab.disconnect()


async def test_a_removed_vms_maps_tab_is_not_told_to_refetch_at_every_later_event(lab, owner, owner_cookie, xp01,
                                                                                   web01, sim):
    """reach:* names every VM's map on each inventory event; one whose VM is gone renders nothing
    (before: a resync at every event, each re-fetching a page that answers 404)."""
    from inventory.services.vms import vm_unregister

    maps_tab, _ = await open_live(lab, owner_cookie, widgets=["tasks", f"reach:{xp01.pk}"])
    await step(sim)
    await drain(maps_tab)
    await sync_to_async(vm_unregister)(vm=xp01, user=owner)  # another user removes it
    await step(sim)
    await drain(maps_tab)
    await sync_to_async(vm_power)(vm=web01, action="power-off", user=owner)  # later, elsewhere
    await step(sim, 30)
    later = await drain(maps_tab)
    assert later and not [m for m in later if 'data-resync="1"' in m]
    await maps_tab.disconnect()
