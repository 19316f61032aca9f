"""/ws/labs/{lab}/live: the lab page's socket (htmx ws extension). It only sends what the hub
hands it; the page swaps each fragment by id, checks the sequence numbers, and re-fetches what it
holds after a gap or a reconnect. Its first message is the hub's heartbeat as it stands (the
period, and how far the hub has sent the lab's batches), so a page that rendered before batches
it never got resyncs at once."""

from __future__ import annotations

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from inventory import actions  # noqa: F401 (the Commands box's renderer: widgets.provide_render)
from inventory.selectors import lab_visible

from .fragments import compose
from .hub import hub


def frames_for(message: dict, shown: frozenset | None) -> list[str]:
    """What a socket whose page shows `shown` is sent for `message`: composed once per message
    and widget set, so every socket showing the same widgets gets the same strings. A socket whose
    page has not said what it shows yet gets no batch (its first answer tells it what it missed)."""
    if "widgets" not in message:
        return [message["html"]]
    if shown is None:
        return []
    cache = message.setdefault("_frames", {})
    if shown not in cache:
        cache[shown] = compose(message, shown)
    return cache[shown]


class LabLiveConsumer(AsyncWebsocketConsumer):
    channel_layer_alias = None  # no channel of its own: everything comes through the hub's
    lab_id = None
    held: list | None = None  # what the hub hands over before the handshake is done
    shown: frozenset | None = None  # the widget keys the page shows, as it last said

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:  # however the instance ends, cancelled mid-connect included, it leaves the hub
            if self.lab_id is not None:
                hub().drop(self.lab_id, self)

    async def connect(self):
        lab_id = await self._allowed_lab(self.scope["url_route"]["kwargs"]["lab"])
        if lab_id is None:
            await self.close(code=4404)  # refused at the handshake (HTTP 403)
            return
        self.lab_id = lab_id
        self.held = []
        await hub().subscribe(lab_id, self)  # bound before the page sees the socket open
        await self.accept()
        while self.held:  # in order, and whatever arrives meanwhile joins the queue
            for frame in frames_for(self.held.pop(0), self.shown):
                await self.send(text_data=frame)
        self.held = None
        await self.send(text_data=hub().greeting(lab_id)["html"])

    @database_sync_to_async
    def _allowed_lab(self, lab: str) -> int | None:
        found = lab_visible(self.scope.get("user"), lab)
        return found.pk if found else None

    async def deliver(self, message: dict) -> None:
        if self.held is not None:  # a socket cannot send before it is accepted
            self.held.append(message)
            return
        for frame in frames_for(message, self.shown):
            await self.send(text_data=frame)

    async def disconnect(self, code):
        if self.lab_id is not None:
            await hub().unsubscribe(self.lab_id, self)

    async def receive(self, text_data=None, bytes_data=None):
        """The page says which widgets it shows: {"widgets": [key, ...]}, when its socket opens and
        whenever that changes (hx-boost navigation, a dialog). From now on it gets those; the
        answer is a heartbeat marked as such, so a page rendered before batches it did not get
        (sent for its previous widgets, or before it said) resyncs."""
        try:
            widgets = json.loads(text_data or "{}").get("widgets")
        except (ValueError, AttributeError):
            return
        if not isinstance(widgets, list) or self.lab_id is None:
            return
        self.shown = frozenset(str(w) for w in widgets[:5000])
        await self.send(text_data=hub().greeting(self.lab_id, ack=True)["html"])
