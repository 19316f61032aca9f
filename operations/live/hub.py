"""Local fan-out (ARCHITECTURE.md, measured): a web process receives each lab batch once, on one
channel of its own that joins the groups of the labs its sockets watch, and sends the same bytes
to every local socket of that lab. One hub per event loop."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import defaultdict

from channels.layers import get_channel_layer

from . import group_for

log = logging.getLogger(__name__)


class Hub:
    def __init__(self):
        self.subscribers: dict[int, set] = defaultdict(set)
        self.layer = None
        self.channel = None
        self.task = None

    async def _ensure_receiving(self):
        if self.task is None or self.task.done():
            self.layer = get_channel_layer()
            self.channel = await self.layer.new_channel("hub.")
            self.task = asyncio.ensure_future(self._receive())

    async def subscribe(self, lab_id: int, consumer) -> None:
        await self._ensure_receiving()
        if not self.subscribers[lab_id]:
            await self.layer.group_add(group_for(lab_id), self.channel)
        self.subscribers[lab_id].add(consumer)

    async def unsubscribe(self, lab_id: int, consumer) -> None:
        watchers = self.subscribers.get(lab_id)
        if watchers is None:
            return
        watchers.discard(consumer)
        if not watchers:
            del self.subscribers[lab_id]
            await self.layer.group_discard(group_for(lab_id), self.channel)

    async def _receive(self):
        while True:
            message = await self.layer.receive(self.channel)
            for consumer in list(self.subscribers.get(message.get("lab"), ())):
                try:
                    await consumer.deliver(message)
                except Exception:  # one broken socket must not stop the others
                    log.exception("live delivery failed")


_hubs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """This event loop's hub (daphne has one loop; tests start a loop per test)."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub()
    return _hubs[loop]
