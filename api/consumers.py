"""/ws/labs/{lab}/events: the lab's events as JSON, for API clients and scripts.

It accepts the browser session or an API session token (header `vmware-api-session-id`, or query
parameter `session` for clients that cannot set headers), and only for users who may see the
lab. It first sends the events after `after` (or none: only new ones) from the database, then
what the lab's runner publishes, through this process's hub (operations/live/hub.py): no query
per socket per event. A batch that skips numbers makes it read the missing events first, so a
client that reconnects with `after` misses nothing; so does the hub's heartbeat (hub.py), which
says up to which number every batch went out: a batch that never reached this process is read
from the database at the latest two heartbeats later. The heartbeat itself is not sent to clients.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.serializers.json import DjangoJSONEncoder

from inventory.selectors import id_number, lab_visible
from operations.live.hub import hub
from operations.models import Event

from . import present
from .auth import HEADER, user_for_token

BATCH = 200


class LabEventsConsumer(AsyncJsonWebsocketConsumer):
    channel_layer_alias = None  # no channel of its own: everything comes through the hub's

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:  # however the instance ends, cancelled mid-connect included, it leaves the hub
            if getattr(self, "pump", None) is not None:
                self.pump.cancel()
            if getattr(self, "lab_id", None) is not None:
                hub().drop(self.lab_id, self)

    async def connect(self):
        query = parse_qs(self.scope.get("query_string", b"").decode())
        token = dict(self.scope.get("headers", [])).get(HEADER.encode(), b"").decode() or query.get("session", [""])[0]
        lab = await self._lab(token, self.scope["url_route"]["kwargs"]["lab"])
        if lab is None:
            await self.close(code=4404)  # before accept: the handshake is refused (HTTP 403)
            return
        self.lab_id = lab.pk
        after = query.get("after", [""])[0]
        self.after = id_number(after) if id_number(after) is not None else lab.event_seq
        self.inbox: asyncio.Queue = asyncio.Queue()
        await hub().subscribe(self.lab_id, self)
        await self.accept()
        self.pump = asyncio.ensure_future(self._pump())

    @database_sync_to_async
    def _lab(self, token: str, lab: str):
        return lab_visible(user_for_token(token) if token else self.scope.get("user"), lab)

    @database_sync_to_async
    def _events_after(self, seq: int) -> list[dict]:
        return [present.event(e) for e in Event.objects.filter(lab_id=self.lab_id, seq__gt=seq).order_by("seq")[:BATCH]]

    async def _send(self, event: dict) -> None:
        if event["seq"] > self.after:  # never twice, never backwards
            await self.send_json(event)
            self.after = event["seq"]

    async def _catch_up(self, until: int | None = None):
        while True:
            events = await self._events_after(self.after)
            for event in events:
                if until is not None and event["seq"] > until:
                    return
                await self._send(event)
            if len(events) < BATCH:
                return

    async def _pump(self):
        """The one task that sends on this socket: the backlog first, then each batch."""
        await self._catch_up()
        while True:
            message = await self.inbox.get()
            if message["prev"] > self.after:  # some were missed: read them first
                await self._catch_up(until=message["prev"])
            for event in message["events"]:
                await self._send(event)

    async def deliver(self, message: dict) -> None:
        self.inbox.put_nowait(message)  # the hub never waits on one socket's database reads

    async def disconnect(self, code):
        if getattr(self, "pump", None) is not None:
            self.pump.cancel()
        if getattr(self, "lab_id", None) is not None:
            await hub().unsubscribe(self.lab_id, self)

    async def receive_json(self, content, **kwargs):
        pass  # the stream is one-way

    @classmethod
    async def encode_json(cls, content):
        return json.dumps(content, cls=DjangoJSONEncoder)
