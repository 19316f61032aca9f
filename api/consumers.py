"""/ws/labs/{lab}/events: the lab's events as JSON, for API clients and scripts.

It accepts the browser session or an API session token (header `vmware-api-session-id`, or query
parameter `session` for clients that cannot set headers), and only for users who may see the
lab. Events are read from the database after the last sequence number sent (or after the one
given as `after`), so a client that reconnects with `after` misses nothing. The Live issue feeds
it from the lab's channel group instead of polling.
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404

from inventory.selectors import id_number, lab_for
from operations.models import Event

from . import present
from .auth import HEADER, user_for_token

POLL_S = 0.25
BATCH = 200


class LabEventsConsumer(AsyncJsonWebsocketConsumer):
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
        await self.accept()
        self.pump = asyncio.ensure_future(self._pump())

    @database_sync_to_async
    def _lab(self, token: str, lab: str):
        user = user_for_token(token) if token else self.scope.get("user")
        if user is None or not user.is_authenticated:
            return None
        number = id_number(lab.removeprefix("lab-"))
        if number is None:
            return None
        try:
            return lab_for(user, number)
        except Http404:
            return None

    @database_sync_to_async
    def _events_after(self, seq: int) -> list[dict]:
        return [present.event(e) for e in Event.objects.filter(lab_id=self.lab_id, seq__gt=seq).order_by("seq")[:BATCH]]

    async def _pump(self):
        while True:
            events = await self._events_after(self.after)
            for event in events:
                await self.send_json(event)
                self.after = event["seq"]
            if len(events) < BATCH:
                await asyncio.sleep(POLL_S)

    async def disconnect(self, code):
        pump = getattr(self, "pump", None)
        if pump is not None:
            pump.cancel()

    async def receive_json(self, content, **kwargs):
        pass  # the stream is one-way

    @classmethod
    async def encode_json(cls, content):
        import json

        return json.dumps(content, cls=DjangoJSONEncoder)
