"""/ws/labs/{lab}/events with WebsocketCommunicator: who may connect, and what arrives."""

import pytest
from channels.testing import WebsocketCommunicator

from operations.live.publisher import publish
from operations.services.power import vm_power
from vcenter_web.asgi import application

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def anyio_backend():
    return "asyncio"


async def connect(path, headers=()):
    communicator = WebsocketCommunicator(application, path, headers=list(headers))
    connected, _ = await communicator.connect()
    return communicator, connected


@pytest.fixture
def token(token_for, owner):
    return token_for(owner)


async def test_events_stream_as_json_with_the_token_header(lab, token, owner, xp01, sim):
    from asgiref.sync import sync_to_async

    socket, connected = await connect(f"/ws/labs/{lab.moid}/events", [(b"vmware-api-session-id", token.encode())])
    assert connected
    await sync_to_async(vm_power)(vm=xp01, action="power-on", user=owner)
    await sync_to_async(sim.run)(2)
    await publish(sim.take_batches())  # what the lab's runner does after its step
    event = await socket.receive_json_from(timeout=5)
    while event["type"] != "VmPoweredOnEvent":  # the lab's creation was not published before
        event = await socket.receive_json_from(timeout=5)
    assert event["type"] == "VmPoweredOnEvent" and event["object"] == xp01.moid
    assert {"seq", "time", "wall_time", "message"} <= set(event)
    await socket.disconnect()


async def test_a_client_resumes_after_a_sequence_number(lab, token):
    socket, connected = await connect(f"/ws/labs/{lab.moid}/events?session={token}&after=0")
    assert connected
    first = await socket.receive_json_from(timeout=5)
    assert first["seq"] == 1 and first["type"] == "LabCreatedEvent"
    await socket.disconnect()


@pytest.fixture
def strangers_token(token_for, stranger):
    return token_for(stranger)


async def test_strangers_anonymous_and_forged_tokens_are_refused(lab, strangers_token):
    for headers in ([], [(b"vmware-api-session-id", b"forged")],
                    [(b"vmware-api-session-id", strangers_token.encode())]):
        socket, connected = await connect(f"/ws/labs/{lab.moid}/events", headers)
        assert not connected, headers
    socket, connected = await connect("/ws/labs/lab-99999/events")
    assert not connected


async def test_a_browser_from_another_site_is_refused_even_with_a_token(lab, token):
    socket, connected = await connect(f"/ws/labs/{lab.moid}/events",
                                      [(b"origin", b"https://evil.example"), (b"vmware-api-session-id", token.encode())])
    assert not connected


@pytest.fixture
def session_cookie(client, owner):
    client.force_login(owner)
    return client.cookies["sessionid"].value


async def test_a_logged_in_browser_connects_with_its_session_cookie(lab, session_cookie):
    socket, connected = await connect(f"/ws/labs/{lab.moid}/events?after=0", [
        (b"origin", b"http://127.0.0.1"), (b"cookie", f"sessionid={session_cookie}".encode())])
    assert connected
    assert (await socket.receive_json_from(timeout=5))["seq"] == 1
    await socket.disconnect()


async def test_a_gap_in_the_published_batches_is_filled_from_the_database(lab, token, owner, xp01, sim):
    """The JSON stream never skips a number: a batch that starts later makes it read the rest."""
    from asgiref.sync import sync_to_async

    from operations.live.publisher import publish

    socket, connected = await connect(f"/ws/labs/{lab.moid}/events", [(b"vmware-api-session-id", token.encode())])
    assert connected
    await sync_to_async(vm_power)(vm=xp01, action="power-on", user=owner)
    await sync_to_async(sim.run)(2)
    await sync_to_async(vm_power)(vm=xp01, action="power-off", user=owner)
    await sync_to_async(sim.run)(2)
    batches = sim.take_batches()
    await publish(batches[-1:])  # only the last batch arrives: the earlier events come from the database
    seqs = []
    while not await socket.receive_nothing(timeout=0.3):
        seqs.append((await socket.receive_json_from())["seq"])
    assert len(batches[-1][1]["events"]) == 1  # the power-off alone
    assert len(seqs) == 2 and seqs[1] == seqs[0] + 1  # the power-on came from the database, in order
    await socket.disconnect()


async def test_a_batch_that_never_arrives_is_read_from_the_database_at_the_heartbeat(lab, token, owner, xp01, sim,
                                                                                      settings):
    """No later batch reveals the gap: the hub's heartbeat does (operations/live/hub.py)."""
    from asgiref.sync import sync_to_async

    from operations.live.hub import hub

    settings.LIVE_HEARTBEAT_S = 0  # beats when this test says
    socket, connected = await connect(f"/ws/labs/{lab.moid}/events", [(b"vmware-api-session-id", token.encode())])
    assert connected
    await sync_to_async(vm_power)(vm=xp01, action="power-on", user=owner)
    await sync_to_async(sim.run)(2)
    sim.take_batches()  # published (the runner claimed the numbers), never delivered
    await hub().beat()
    assert await socket.receive_nothing(timeout=0.3)  # one heartbeat: the batch may be on its way
    await hub().beat()
    event = await socket.receive_json_from(timeout=5)
    while event["type"] != "VmPoweredOnEvent":
        event = await socket.receive_json_from(timeout=5)
    assert event["object"] == xp01.moid
    await socket.disconnect()
