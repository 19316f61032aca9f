"""/ws/labs/{lab}/live: the lab page's socket (htmx ws extension). It only sends what the hub
hands it; the page swaps each fragment by id, checks the sequence numbers, and re-fetches what it
holds after a gap or a reconnect."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.http import Http404

from inventory.selectors import id_number, lab_for

from .hub import hub


class LabLiveConsumer(AsyncWebsocketConsumer):
    lab_id = None

    async def connect(self):
        lab_id = await self._allowed_lab(self.scope["url_route"]["kwargs"]["lab"])
        if lab_id is None:
            await self.close(code=4404)  # refused at the handshake (HTTP 403)
            return
        self.lab_id = lab_id
        await hub().subscribe(lab_id, self)
        await self.accept()

    @database_sync_to_async
    def _allowed_lab(self, lab: str) -> int | None:
        user = self.scope.get("user")
        number = id_number(lab.removeprefix("lab-"))
        if user is None or not user.is_authenticated or number is None:
            return None
        try:
            return lab_for(user, number).pk
        except Http404:
            return None

    async def deliver(self, message: dict) -> None:
        await self.send(text_data=message["html"])

    async def disconnect(self, code):
        if self.lab_id is not None:
            await hub().unsubscribe(self.lab_id, self)

    async def receive(self, text_data=None, bytes_data=None):
        pass  # the page sends nothing
