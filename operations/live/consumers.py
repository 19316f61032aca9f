"""/ws/labs/{lab}/live: the lab page's socket (htmx ws extension). It only sends what the hub
hands it; the page swaps each fragment by id, checks the sequence numbers, and re-fetches what it
holds after a gap or a reconnect."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from inventory.selectors import lab_visible

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
        found = lab_visible(self.scope.get("user"), lab)
        return found.pk if found else None

    async def deliver(self, message: dict) -> None:
        await self.send(text_data=message["html"])

    async def disconnect(self, code):
        if self.lab_id is not None:
            await hub().unsubscribe(self.lab_id, self)

    async def receive(self, text_data=None, bytes_data=None):
        pass  # the page sends nothing
