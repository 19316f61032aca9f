"""The hub (operations/live/hub.py) on the embedded in-memory layer: one channel however many
sockets connect at once, group bindings that follow the sockets when subscribes and unsubscribes
interleave, a receive loop that outlives errors, no batch lost to a full channel with thirty busy
labs, and a heartbeat that notices what was lost anyway and makes the sockets catch up."""

import asyncio
import logging
import random
import time

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from inventory.models import Lab
from operations.live import group_for
from operations.live.hub import Hub, hub
from operations.live.layers import InMemoryChannelLayer
from operations.live.publisher import publish
from operations.services.power import vm_power

from .conftest import open_live, upto

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]
SEQ_OF = 'id="live-seq" data-seq="{}"'


def batch(lab_id: int, seq: int) -> dict:
    return {"type": "lab.batch", "lab": lab_id, "prev": seq - 1, "seq": seq, "events": [],
            "html": f'<span id="live-seq" data-seq="{seq}" data-prev="{seq - 1}" hidden></span>'}


class Viewer:
    """A socket as the hub sees it: it records what it is handed (and can be made to stall)."""

    def __init__(self):
        self.messages: list[dict] = []
        self.gate: asyncio.Event | None = None
        self.stalled = False

    async def deliver(self, message):
        if self.gate is not None:
            self.stalled = True
            await self.gate.wait()
        self.messages.append(message)

    def seqs(self) -> list[int]:
        return [m["seq"] for m in self.messages if m["type"] == "lab.batch"]

    def beats(self) -> list[int]:
        return [m["prev"] for m in self.messages if m["type"] == "lab.beat"]


class YieldingLayer(InMemoryChannelLayer):
    """The in-memory layer, but every membership change waits a little, as a network round trip
    to Redis does: the awaits where subscribes and unsubscribes used to interleave."""

    def __init__(self, seed: int, **kwargs):
        super().__init__(**kwargs)
        self.random = random.Random(seed)
        self.channels_made = 0

    async def new_channel(self, prefix="specific."):
        await asyncio.sleep(self.random.random() / 100)
        self.channels_made += 1
        return await super().new_channel(prefix)

    async def group_add(self, group, channel):
        await asyncio.sleep(self.random.random() / 200)
        await super().group_add(group, channel)

    async def group_discard(self, group, channel):
        await asyncio.sleep(self.random.random() / 200)
        await super().group_discard(group, channel)


async def until(condition, timeout=10.0):
    """Wait (with a deadline) for the hub's task to have done something."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_sockets_connecting_at_once_share_one_channel_and_the_group_goes_when_they_do(lab, owner_cookie,
                                                                                          member_cookie):
    cookies = [owner_cookie, member_cookie]
    sockets = await asyncio.gather(*(open_live(lab, cookies[i % 2]) for i in range(40)))
    assert all(connected for _, connected in sockets)
    layer, the_hub = get_channel_layer(), hub()
    assert list(layer.groups[group_for(lab.pk)]) == [the_hub.channel]

    await publish([(lab.pk, batch(lab.pk, seq)) for seq in range(lab.event_seq + 1, lab.event_seq + 6)])
    for socket, _ in sockets:
        got = [await socket.receive_from(timeout=10) for _ in range(5)]
        assert [SEQ_OF.format(s) in m for s, m in zip(range(lab.event_seq + 1, lab.event_seq + 6), got)] == [True] * 5

    await asyncio.gather(*(socket.disconnect() for socket, _ in sockets))
    assert group_for(lab.pk) not in layer.groups
    assert the_hub.subscribers == {} and the_hub.bound == set()


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_interleaved_subscribes_and_unsubscribes_leave_each_lab_bound_exactly_while_watched(seed):
    layer = YieldingLayer(seed)
    the_hub = Hub(heartbeat=0, layer=layer)
    rng = random.Random(seed)
    labs = [900_001, 900_002, 900_003, 900_004]  # no such labs: nothing here reads the database for them

    async def after(delay, call, lab, viewer):
        await asyncio.sleep(delay)
        await call(lab, viewer)

    async def visit(lab):
        viewer = Viewer()
        await after(rng.random() / 50, the_hub.subscribe, lab, viewer)
        await after(rng.random() / 100, the_hub.unsubscribe, lab, viewer)

    staying: dict[int, Viewer] = {}
    for _ in range(12):  # each round: passers-by, the last round's watchers leave, new ones arrive
        leaving, staying = staying, {lab: Viewer() for lab in labs if rng.random() < 0.5}
        await asyncio.gather(*[visit(rng.choice(labs)) for _ in range(60)],
                             *[after(rng.random() / 50, the_hub.unsubscribe, lab, v) for lab, v in leaving.items()],
                             *[after(rng.random() / 50, the_hub.subscribe, lab, v) for lab, v in staying.items()])
        assert the_hub.bound == set(the_hub.subscribers) == set(staying)
        for lab in labs:  # the layer agrees: bound to the one channel exactly while watched
            assert list(layer.groups.get(group_for(lab), {})) == ([the_hub.channel] if lab in staying else []), lab
    assert layer.channels_made == 1

    for lab in labs:
        await layer.group_send(group_for(lab), batch(lab, 1))
    await until(lambda: all(v.seqs() == [1] for v in staying.values()))


async def test_thirty_busy_labs_lose_no_batch_while_the_hub_is_held_up():
    """Thirty labs publish ten batches each while the hub is stuck on one socket: on the configured
    layer they wait in the hub's channel (channels' default capacity of 100 dropped two thirds)."""
    the_hub = Hub(heartbeat=0)
    labs = list(range(910_001, 910_031))
    viewers = {lab: [Viewer(), Viewer()] for lab in labs}
    for lab, pair in viewers.items():
        for viewer in pair:
            await the_hub.subscribe(lab, viewer)
    stuck = viewers[labs[0]][0]
    stuck.gate = asyncio.Event()
    await publish([(labs[0], batch(labs[0], 1))])
    await until(lambda: stuck.stalled)  # the hub took it and is stuck on this socket
    await publish([(lab, batch(lab, seq)) for seq in range(1, 11) for lab in labs if (lab, seq) != (labs[0], 1)])
    assert len(the_hub.layer.channels[the_hub.channel]._queue) == 299
    stuck.gate.set()
    await until(lambda: all(v.seqs() == list(range(1, 11)) for pair in viewers.values() for v in pair))


async def test_a_batch_dropped_by_a_full_channel_is_noticed_and_the_sockets_told(lab, caplog):
    caplog.set_level(logging.WARNING)
    layer = InMemoryChannelLayer(capacity=3)
    the_hub = Hub(heartbeat=0, layer=layer)
    viewer = Viewer()
    await the_hub.subscribe(lab.pk, viewer)
    start = lab.published_seq
    viewer.gate = asyncio.Event()
    for seq in range(start + 1, start + 11):  # as the runner does: claim the number, then send
        await sync_to_async(Lab.objects.filter(pk=lab.pk).update)(published_seq=seq)
        await layer.group_send(group_for(lab.pk), batch(lab.pk, seq))
    viewer.gate.set()
    await until(lambda: len(viewer.seqs()) == 4)  # the one being delivered and the three the channel held
    assert "was dropped" in caplog.text

    await the_hub.beat()  # learns what is published
    assert viewer.beats() == [start + 4] and the_hub.stats["rebinds"] == 0
    await the_hub.beat()  # a heartbeat later, batches up to start + 10 never came: said, and fixed
    assert viewer.beats()[-1] == start + 10 and the_hub.stats["rebinds"] == 1
    assert "never arrived" in caplog.text
    await layer.group_send(group_for(lab.pk), batch(lab.pk, start + 11))
    await until(lambda: viewer.seqs()[-1] == start + 11)


async def test_a_page_socket_whose_binding_was_lost_catches_up_through_the_heartbeat(lab, owner, owner_cookie, xp01,
                                                                                     sim):
    page, _ = await open_live(lab, owner_cookie)
    held = upto(page.greeting)
    the_hub, layer = hub(), get_channel_layer()
    await layer.group_discard(group_for(lab.pk), the_hub.channel)  # lost, and the hub was not told

    await sync_to_async(vm_power)(vm=xp01, action="power-on", user=owner)
    await sync_to_async(sim.run)(3)
    await publish(sim.take_batches())  # reaches nobody
    published = (await sync_to_async(Lab.objects.get)(pk=lab.pk)).published_seq
    assert published > held and await page.receive_nothing(timeout=0.2)

    await the_hub.beat()
    assert upto(await page.receive_from(timeout=5)) == held  # one heartbeat: it could be on its way
    await the_hub.beat()
    assert upto(await page.receive_from(timeout=5)) == published  # lost: the page resyncs (vcenter.js)
    assert list(layer.groups[group_for(lab.pk)]) == [the_hub.channel]  # and the group is bound again

    await sync_to_async(vm_power)(vm=xp01, action="power-off", user=owner)
    await sync_to_async(sim.run)(3)
    await publish(sim.take_batches())
    message = await page.receive_from(timeout=5)
    assert f'data-prev="{published}"' in message and "Power Off virtual machine" in message
    await page.disconnect()


async def test_a_socket_that_opens_late_is_greeted_with_how_far_the_lab_went(lab, owner, owner_cookie, xp01, sim):
    first, _ = await open_live(lab, owner_cookie)
    await sync_to_async(vm_power)(vm=xp01, action="power-on", user=owner)
    await sync_to_async(sim.run)(3)
    await publish(sim.take_batches())
    await first.receive_from(timeout=5)
    published = (await sync_to_async(Lab.objects.get)(pk=lab.pk)).published_seq
    second, _ = await open_live(lab, owner_cookie)
    assert upto(second.greeting) == published
    await first.disconnect()
    await second.disconnect()


class FlakyLayer(InMemoryChannelLayer):
    def __init__(self, failures: int, **kwargs):
        super().__init__(**kwargs)
        self.failures = failures

    async def receive(self, channel):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the layer's connection dropped")
        return await super().receive(channel)


async def test_the_receive_loop_outlives_layer_errors_and_is_restarted_if_it_ends(caplog):
    layer = FlakyLayer(failures=2)
    the_hub = Hub(heartbeat=0, layer=layer)
    viewer = Viewer()
    await the_hub.subscribe(920_001, viewer)
    await layer.group_send(group_for(920_001), batch(920_001, 1))
    await until(lambda: viewer.seqs() == [1])
    assert the_hub.stats["receive_errors"] == 2

    the_hub.receiver.cancel()  # however it ended, the next heartbeat starts it again
    await until(lambda: the_hub.receiver.done())
    await layer.group_send(group_for(920_001), batch(920_001, 2))
    await the_hub.beat()
    await until(lambda: viewer.seqs() == [1, 2])
    assert the_hub.stats["restarts"] == 1
