"""What the live tests share: sockets through the real ASGI application (WebsocketCommunicator),
and a hub whose heartbeat only beats when a test calls it, so nothing arrives unasked."""

import re

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

BEAT = re.compile(r'id="live-beat" data-upto="(\d+)" data-every="([\d.]+)"')


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(autouse=True)
def manual_heartbeat(settings):
    settings.LIVE_HEARTBEAT_S = 0  # hub.beat() is called by the tests that want one


def cookie_of(user) -> bytes:
    client = Client()  # one per user: logging another user in on the same client ends the first session
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.fixture
def owner_cookie(owner):
    return cookie_of(owner)


@pytest.fixture
def member_cookie(member):
    return cookie_of(member)


@pytest.fixture
def stranger_cookie(stranger):
    return cookie_of(stranger)


def every_widget(lab) -> list[str]:
    """The widget keys of a page that would show every region of the lab at once."""
    from inventory.models import Cluster, Datacenter, Host, VirtualMachine

    keys = ["tasks", "tree", "map", "events", "root", "fault-badge", "fault-panel"]
    for vm in VirtualMachine.objects.filter(lab=lab):
        keys += [f"vm:{vm.pk}", f"head:{vm.moid}"]
    for host in Host.objects.filter(lab=lab):
        keys += [f"host:{host.pk}", f"head:{host.moid}", f"usage:{host.moid}", f"vms:{host.moid}"]
    for cluster in Cluster.objects.filter(lab=lab):
        keys += [f"cluster:{cluster.pk}", f"usage:{cluster.moid}", f"vms:{cluster.moid}"]
    keys += [f"datacenter:{pk}" for pk in Datacenter.objects.filter(lab=lab).values_list("pk", flat=True)]
    return keys


async def declare(socket, widgets) -> str:
    """The page tells its socket which widgets it shows; returns the socket's answer (a heartbeat)."""
    await socket.send_json_to({"widgets": list(widgets)})
    answer = await socket.receive_from(timeout=30)
    assert BEAT.search(answer) and 'data-ack="1"' in answer, answer
    return answer


async def open_live(lab, cookie=None, origin=b"http://127.0.0.1", widgets=None):
    """The lab page's socket; when it opens, its first message (the hub's greeting) is read, then
    the page says which widgets it shows (`widgets`; by default every one of the lab's)."""
    from asgiref.sync import sync_to_async

    from vcenter_web.asgi import application

    headers = [(b"origin", origin)] + ([(b"cookie", cookie)] if cookie else [])
    socket = WebsocketCommunicator(application, f"/ws/labs/{lab.moid}/live", headers=headers)
    connected, _ = await socket.connect(timeout=30)
    if connected:
        socket.greeting = await socket.receive_from(timeout=30)
        assert BEAT.search(socket.greeting), socket.greeting
        if widgets is None:
            widgets = await sync_to_async(every_widget)(lab)
        socket.ack = await declare(socket, widgets)
    return socket, connected


def upto(message: str) -> int | None:
    found = BEAT.search(message)
    return int(found.group(1)) if found else None
