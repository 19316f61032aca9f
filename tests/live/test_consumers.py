"""The lab page's live socket, with WebsocketCommunicator on the in-memory channel layer: who may
connect, what the fragments say, and the sequence numbers that let a page notice a gap."""

import re

import pytest
from asgiref.sync import sync_to_async

from operations.live.publisher import publish
from operations.services.migrate import vm_migrate

from .conftest import open_live

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]
SEQ = re.compile(r'id="live-seq" data-seq="(\d+)" data-prev="(\d+)"')


live = open_live


async def step(sim, seconds=0.0, step=None):
    await sync_to_async(sim.run)(seconds, step)
    await publish(sim.take_batches())


async def drain(socket) -> list[str]:
    messages = []
    while not await socket.receive_nothing(timeout=0.2):
        messages.append(await socket.receive_from())
    return messages


async def test_strangers_anonymous_and_other_sites_are_refused(lab, stranger_cookie, owner_cookie):
    for cookie, origin in ((None, b"http://127.0.0.1"), (stranger_cookie, b"http://127.0.0.1"),
                           (owner_cookie, b"https://evil.example")):
        socket, connected = await live(lab, cookie, origin)
        assert not connected


async def test_a_vmotion_streams_its_progress_then_the_move(lab, owner, owner_cookie, web01, esx02, sim):
    socket, connected = await live(lab, owner_cookie)
    assert connected
    await step(sim)  # the lab's creation event: publish it first
    await socket.receive_from(timeout=5)

    await sync_to_async(vm_migrate)(vm=web01, host=esx02, user=owner)
    await step(sim, 10)
    message = (await drain(socket))[-1]
    assert 'id="recent-tasks-body"' in message and "Pre-copy round 1" in message
    assert f'id="vm-{web01.pk}-live"' in message and "Migrate virtual machine" in message

    await step(sim, 30, 5)
    final = (await drain(socket))[-1]
    assert "Completed" in final and 'id="tree-body"' in final and 'id="lab-map"' in final
    assert f'id="vm-{web01.pk}-live"' in final and "esx02.lab.local" in final
    esx02_list = final.split(f'id="vms-{esx02.moid}"')[1].split("</div>")[0]
    assert "W2K8-Web01" in esx02_list  # the host's Virtual Machines tab
    tree = final.split('id="tree-body"')[1]
    assert tree.index("esx02.lab.local") < tree.index("W2K8-Web01")  # now listed under esx02
    assert "Migration of virtual machine W2K8-Web01 from esx01.lab.local to esx02.lab.local completed" in final
    await socket.disconnect()


async def test_batches_carry_consecutive_sequence_numbers(lab, owner, owner_cookie, xp01, sim):
    from operations.services.power import vm_power

    socket, _ = await live(lab, owner_cookie)
    await step(sim)
    seqs = [SEQ.search(await socket.receive_from(timeout=5)).groups()]
    for action in ("power-on", "reset", "power-off"):
        await sync_to_async(vm_power)(vm=xp01, action=action, user=owner)
        await step(sim, 3)
        seqs += [SEQ.search(m).groups() for m in await drain(socket)]
    pairs = [(int(seq), int(prev)) for seq, prev in seqs]
    assert all(prev == pairs[i - 1][0] for i, (seq, prev) in enumerate(pairs) if i)  # no gaps
    assert pairs[-1][0] > pairs[0][0] + 2
    await socket.disconnect()


async def test_one_batch_reaches_every_socket_of_the_lab_as_the_same_bytes(lab, owner_cookie, member_cookie, sim):
    sockets = [(await live(lab, c))[0] for c in (owner_cookie, member_cookie, owner_cookie)]
    await step(sim)
    received = [await s.receive_from(timeout=5) for s in sockets]
    assert received[0] == received[1] == received[2]
    for s in sockets:
        await s.disconnect()
