"""The hub on the real Redis pub/sub layer (channels_redis RedisPubSubChannelLayer), as the web
processes run it at scale: a hundred page sockets connecting at once to a fresh hub, a Redis
connection killed under it, a subscription lost behind its back.

Needs Redis (REDIS_URL, or 127.0.0.1:6379); its channels carry REDIS_PREFIX plus a name of their
own per test. Skips with the reason elsewhere, but fails in CI, where Redis must run."""

import asyncio
import os
import time
import uuid
from urllib.parse import urlparse

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from inventory.models import Lab
from inventory.presets import lab_create
from operations.live import group_for
from operations.live.hub import hub
from operations.live.publisher import publish

from .conftest import open_live, upto
from .test_hub import SEQ_OF, batch

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def reachable(url: str) -> bool:
    import socket

    parts = urlparse(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture
def redis_layer(settings):
    """The default channel layer, for this test, is Redis pub/sub under a prefix of its own; its
    connections are named so that a test can find and kill them."""
    if not reachable(REDIS_URL):
        if os.environ.get("CI"):
            pytest.fail(f"Redis must run in CI ({REDIS_URL}): .ci/run starts it")
        pytest.skip(f"needs Redis at {REDIS_URL}")
    name = f"{os.environ.get('REDIS_PREFIX', 'test')}-hub-{uuid.uuid4().hex[:8]}"
    settings.CHANNEL_LAYERS = {"default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [{"address": REDIS_URL, "client_name": name}], "prefix": name},
    }}
    return name


async def numsub(channel: str) -> int:
    import redis.asyncio as redis

    client = redis.from_url(REDIS_URL)
    try:
        return dict(await client.pubsub_numsub(channel))[channel.encode()]
    finally:
        await client.aclose()


async def kill_connections(name: str) -> int:
    """Kill this test's subscriber connections on the server, as a Redis restart or a network
    cut does (and only this test's: other runs share the server)."""
    import redis.asyncio as redis

    client = redis.from_url(REDIS_URL)
    try:
        mine = [c for c in await client.client_list() if c.get("name") == name and int(c.get("sub", 0))]
        for c in mine:
            await client.client_kill_filter(_id=c["id"])
        return len(mine)
    finally:
        await client.aclose()


async def eventually(check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_hundred_sockets_connecting_at_once_all_receive_every_batch_and_leave_nothing(
        redis_layer, lab, owner, owner_cookie, member_cookie):
    other = await sync_to_async(lab_create)(owner=owner, preset="seed-article", name="Second")
    cookies = [owner_cookie, member_cookie]
    labs = [lab if i % 3 else other for i in range(100)]  # two labs: 66 and 34 sockets
    cookies_for = [cookies[i % 2] if labs[i] is lab else cookies[0] for i in range(100)]
    sockets = await asyncio.gather(*(open_live(labs[i], cookies_for[i]) for i in range(100)))
    assert all(connected for _, connected in sockets)
    the_hub, layer = hub(), get_channel_layer()._get_layer()
    assert [c for c in layer.channels if "hub." in c] == [the_hub.channel]  # one channel, however many at once
    for each in (lab, other):
        assert await numsub(layer._get_group_channel_name(group_for(each.pk))) == 1

    batches = 20
    seqs = {each.pk: range(each.published_seq + 1, each.published_seq + 1 + batches) for each in (lab, other)}
    for i in range(batches):
        await publish([(pk, batch(pk, seq[i])) for pk, seq in seqs.items()])
    delivered = 0
    for (socket, _), each in zip(sockets, labs):
        got = [await socket.receive_from(timeout=15) for _ in range(batches)]
        delivered += sum(SEQ_OF.format(seq) in message for seq, message in zip(seqs[each.pk], got))
    print(f"delivered {delivered}/{100 * batches}")
    assert delivered == 100 * batches

    await asyncio.gather(*(socket.disconnect() for socket, _ in sockets))
    assert the_hub.subscribers == {} and the_hub.bound == set()
    assert not [g for g in layer.groups if "lab-" in g]  # the layer holds no group of ours
    for each in (lab, other):
        group = layer._get_group_channel_name(group_for(each.pk))
        await eventually(lambda: _zero(group))
    await layer.flush()


async def _zero(channel: str) -> bool:
    return await numsub(channel) == 0


async def test_the_subscription_comes_back_by_itself_after_the_redis_connection_is_killed(
        redis_layer, lab, owner_cookie):
    """redis-py's PubSub re-subscribes its channels when it reconnects (on_connect), and
    channels_redis's reader reconnects on the next read: nothing for the hub to do but wait."""
    socket, _ = await open_live(lab, owner_cookie)
    layer = get_channel_layer()._get_layer()
    group = layer._get_group_channel_name(group_for(lab.pk))
    start = lab.published_seq
    await publish([(lab.pk, batch(lab.pk, start + 1))])
    assert SEQ_OF.format(start + 1) in await socket.receive_from(timeout=10)

    assert await kill_connections(redis_layer) == 1
    await eventually(lambda: _subscribed(group))  # re-subscribed, by a new connection
    await publish([(lab.pk, batch(lab.pk, start + 2))])
    assert SEQ_OF.format(start + 2) in await socket.receive_from(timeout=10)
    assert hub().stats["rebinds"] == 0
    await socket.disconnect()
    await layer.flush()


async def _subscribed(channel: str) -> bool:
    return await numsub(channel) == 1


async def test_a_subscription_lost_behind_the_layers_back_is_rebound_by_the_heartbeat(redis_layer, lab, owner_cookie):
    socket, _ = await open_live(lab, owner_cookie)
    the_hub, layer = hub(), get_channel_layer()._get_layer()
    group = layer._get_group_channel_name(group_for(lab.pk))
    start = upto(socket.greeting)
    await layer._get_shard(group)._pubsub.unsubscribe(group)  # the server forgot; channels_redis did not
    await eventually(lambda: _zero(group))

    await sync_to_async(Lab.objects.filter(pk=lab.pk).update)(published_seq=start + 1)
    await publish([(lab.pk, batch(lab.pk, start + 1))])  # reaches nobody
    await the_hub.beat()
    assert upto(await socket.receive_from(timeout=10)) == start
    await the_hub.beat()  # a heartbeat later it has not come: bound again, and the page told
    assert upto(await socket.receive_from(timeout=10)) == start + 1
    assert the_hub.stats["rebinds"] == 1 and await numsub(group) == 1

    await publish([(lab.pk, batch(lab.pk, start + 2))])
    assert SEQ_OF.format(start + 2) in await socket.receive_from(timeout=10)
    await socket.disconnect()
    await layer.flush()
