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


async def open_live(lab, cookie=None, origin=b"http://127.0.0.1"):
    """The lab page's socket; when it opens, its first message (the hub's greeting) is read."""
    from vcenter_web.asgi import application

    headers = [(b"origin", origin)] + ([(b"cookie", cookie)] if cookie else [])
    socket = WebsocketCommunicator(application, f"/ws/labs/{lab.moid}/live", headers=headers)
    connected, _ = await socket.connect(timeout=30)
    if connected:
        socket.greeting = await socket.receive_from(timeout=30)
        assert BEAT.search(socket.greeting), socket.greeting
    return socket, connected


def upto(message: str) -> int | None:
    found = BEAT.search(message)
    return int(found.group(1)) if found else None
