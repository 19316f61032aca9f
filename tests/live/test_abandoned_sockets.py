"""A socket given up while its consumer is still joining the hub must leave the hub.

Daphne cancels an application instance whose client went away and that has not ended
`application_close_timeout` (10 s) later, for example a websocket whose handshake timed out
(`websocket_handshake_timeout`, 5 s) because the process was busy. The soak (bench/soak.py, 100
viewers and 30 API clients on 2 cores) had hundreds of them ("took too long to shut down and was
killed"). A consumer cancelled inside `hub().subscribe` never runs `disconnect()`: the hub kept it
as a subscriber, handed it every batch of its lab for the life of the process, and the consumer
queued them unread (the page socket's `held`, the JSON stream's `inbox`), and the lab's group
stayed bound for nobody."""

import asyncio
import time

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from operations.live import group_for
from operations.live.hub import hub

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]


async def until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("stream", ["live", "events"])
async def test_a_socket_abandoned_while_joining_the_hub_leaves_nothing_behind(stream, lab, owner_cookie, monkeypatch):
    from vcenter_web.asgi import application

    layer, the_hub = get_channel_layer(), hub()
    joined, go_on = asyncio.Event(), asyncio.Event()
    group_add = layer.group_add

    async def slow_group_add(group, channel):  # a busy Redis, or a busy process
        joined.set()
        await go_on.wait()
        await group_add(group, channel)

    monkeypatch.setattr(layer, "group_add", slow_group_add)
    socket = WebsocketCommunicator(application, f"/ws/labs/{lab.moid}/{stream}",
                                   headers=[(b"origin", b"http://127.0.0.1"), (b"cookie", owner_cookie)])
    await socket.send_input({"type": "websocket.connect"})
    await asyncio.wait_for(joined.wait(), 10)
    assert lab.pk in the_hub.subscribers  # the consumer is inside subscribe, waiting for the layer

    socket.future.cancel()  # what daphne does to the instance of a socket given up on
    await until(socket.future.done)
    go_on.set()
    await until(lambda: lab.pk not in the_hub.subscribers)
    await until(lambda: lab.pk not in the_hub.bound and group_for(lab.pk) not in getattr(layer, "groups", {}))

    # a socket that stays is served as before
    monkeypatch.setattr(layer, "group_add", group_add)
    page = WebsocketCommunicator(application, f"/ws/labs/{lab.moid}/live",
                                 headers=[(b"origin", b"http://127.0.0.1"), (b"cookie", owner_cookie)])
    connected, _ = await page.connect(timeout=10)
    assert connected and len(the_hub.subscribers[lab.pk]) == 1
    await page.disconnect()
    assert lab.pk not in the_hub.subscribers
