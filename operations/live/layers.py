"""The embedded channel layer: channels' in-memory layer, which says so when it loses a message.

Its group_send drops a message for a full channel without a word, and a message left unread past
`expiry` takes its channel out of every group, silently too. Both now log a warning; the hub's
heartbeat (hub.py) then notices the batches that never arrived, re-binds the lab's group and makes
the pages resync. settings.CHANNEL_LAYERS sizes it so that neither happens in normal use."""

from __future__ import annotations

import logging

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer as BaseInMemoryChannelLayer

log = logging.getLogger(__name__)


class InMemoryChannelLayer(BaseInMemoryChannelLayer):
    async def send(self, channel, message):
        try:
            await super().send(channel, message)
        except ChannelFull:
            log.warning("channel layer: %s is full (%s messages): a %s message for lab %s was dropped",
                        channel, self.get_capacity(channel), message.get("type"), message.get("lab"))
            raise

    def _remove_from_groups(self, channel):
        log.warning("channel layer: a message for %s expired unread: the channel leaves its groups", channel)
        super()._remove_from_groups(channel)
