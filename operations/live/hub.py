"""Local fan-out (docs/architecture.md, Live updates): a web process receives each lab batch once,
on one channel of its own that joins the groups of the labs its sockets watch, and sends the same
bytes to every local socket of that lab. One hub per event loop.

Correct under concurrency:
- one channel per hub, created once however many sockets connect at the same moment;
- the groups the channel belongs to follow the sockets: one lock serialises every group_add and
  group_discard, and each change re-reads what is wanted (a lab is bound while it has a socket),
  so a subscribe and an unsubscribe of the same lab that interleave across their awaits leave the
  binding as the sockets are, never bound to nobody nor unbound under a watcher;
- the receive loop survives errors of the layer (it logs them and goes on), and the heartbeat
  restarts it if it ever ends.

The heartbeat: every LIVE_HEARTBEAT_S seconds the hub reads the published sequence number of every
lab it watches (one query for all of them, not one per socket) and
- re-binds a lab whose batches stopped arriving (a batch published a heartbeat ago that never came:
  a lost binding, a Redis subscription that did not come back, a message a full channel dropped),
  or whose binding failed (the layer was down);
- sends each socket of the lab a small heartbeat carrying the number up to which the hub has handed
  it every batch. A page holding less missed something and resyncs; a page that hears nothing for
  a few heartbeats knows its socket is dead and opens another one (static/js/vcenter.js). The JSON
  stream (api/consumers.py) reads what it missed from the database.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import Counter

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from inventory.models import Lab

from . import group_for
from .fragments import beat_html
from .widgets import render_keys, wanted_keys

log = logging.getLogger(__name__)


def heartbeat_seconds() -> float:
    return float(getattr(settings, "LIVE_HEARTBEAT_S", 5.0))


@database_sync_to_async
def published_seqs(labs: list[int]) -> dict[int, int]:
    return dict(Lab.objects.filter(pk__in=labs).values_list("pk", "published_seq"))


class Hub:
    def __init__(self, heartbeat: float | None = None, layer=None):
        self.heartbeat = heartbeat if heartbeat is not None else heartbeat_seconds()
        self.subscribers: dict[int, set] = {}  # lab -> its sockets in this process
        self.bound: set[int] = set()  # labs whose group the channel has joined
        self.delivered: dict[int, int] = {}  # lab -> every batch up to this number went to its sockets
        self.expected: dict[int, int] = {}  # lab -> its published number, read at the last heartbeat
        self.layer = layer  # the default channel layer unless given (tests)
        self.channel: str | None = None
        self.receiver: asyncio.Task | None = None
        self.beater: asyncio.Task | None = None
        self.stats: Counter = Counter()  # rebinds, receive_errors, beats, restarts (for tests and logs)
        self._starting = asyncio.Lock()
        self._binding = asyncio.Lock()
        self._background: set[asyncio.Task] = set()

    # --- sockets come and go -------------------------------------------------------------------

    async def subscribe(self, lab_id: int, consumer) -> None:
        await self._start()
        self.subscribers.setdefault(lab_id, set()).add(consumer)
        await self._reconcile(lab_id)

    async def unsubscribe(self, lab_id: int, consumer) -> None:
        watchers = self.subscribers.get(lab_id)
        if not watchers or consumer not in watchers:
            return
        watchers.discard(consumer)
        if not watchers:
            del self.subscribers[lab_id]
        await self._reconcile(lab_id)

    def drop(self, lab_id: int, consumer) -> None:
        """Forget a socket at once, without awaiting: its consumer's task is ending, maybe cancelled
        mid-connect (daphne cancels the instance of a socket given up on, and a cancelled consumer
        never runs disconnect()). The binding follows in the background. Nothing if already gone."""
        watchers = self.subscribers.get(lab_id)
        if not watchers or consumer not in watchers:
            return
        watchers.discard(consumer)
        if not watchers:
            del self.subscribers[lab_id]
            task = asyncio.ensure_future(self._reconcile(lab_id))
            self._background.add(task)  # a reference until it is done (the loop keeps only weak ones)
            task.add_done_callback(self._background.discard)

    def greeting(self, lab_id: int, ack: bool = False) -> dict:
        """The heartbeat as it stands, for a socket that just opened: the page learns the period,
        and resyncs at once if batches went out between its rendering and its socket. `ack`: the
        answer to a page that said which widgets it shows."""
        return self._beat_message(lab_id, ack)

    async def _start(self) -> None:
        if self.channel is None:
            async with self._starting:  # sockets connecting together make one channel, not several
                if self.channel is None:
                    if self.layer is None:
                        self.layer = get_channel_layer()
                    self.channel = await self.layer.new_channel("hub.")
        self._ensure_tasks()

    def _ensure_tasks(self) -> None:
        if self.receiver is None or self.receiver.done():
            if self.receiver is not None:
                self.stats["restarts"] += 1
                log.error("live hub: the receive loop had ended; restarted")
            self.receiver = asyncio.ensure_future(self._receive())
        if self.heartbeat > 0 and (self.beater is None or self.beater.done()):
            self.beater = asyncio.ensure_future(self._beat_forever())

    async def _reconcile(self, lab_id: int, rebind: bool = False) -> None:
        """Make the channel's membership of the lab's group what the sockets want, now."""
        group = group_for(lab_id)
        async with self._binding:
            try:
                if rebind and lab_id in self.bound:
                    self.bound.discard(lab_id)
                    await self.layer.group_discard(group, self.channel)
                wanted = lab_id in self.subscribers
                if wanted and lab_id not in self.bound:
                    await self.layer.group_add(group, self.channel)
                    self.bound.add(lab_id)
                    # what was published before this moment never comes through the group: the
                    # pages rendered before it resync (the heartbeat tells them), the rest must arrive
                    seq = (await published_seqs([lab_id])).get(lab_id, 0)
                    self.delivered[lab_id] = max(self.delivered.get(lab_id, 0), seq)
                    self.expected[lab_id] = seq
                elif not wanted and lab_id in self.bound:
                    self.bound.discard(lab_id)
                    self.delivered.pop(lab_id, None)
                    self.expected.pop(lab_id, None)
                    await self.layer.group_discard(group, self.channel)
            except Exception:  # the layer is down: the heartbeat binds the lab when it is back
                log.warning("live hub: could not update the binding of lab %s; retrying at the next heartbeat",
                            lab_id, exc_info=True)

    # --- batches in, to every socket of the lab -------------------------------------------------

    async def _receive(self) -> None:
        failures = 0
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # e.g. the Redis connection dropped: the layer reconnects
                failures += 1
                self.stats["receive_errors"] += 1
                log.exception("live hub: receiving failed; retrying")
                await asyncio.sleep(min(5.0, 0.05 * 2 ** min(failures, 7)))
                continue
            failures = 0
            lab_id = message.get("lab")
            if lab_id not in self.subscribers:
                continue  # the last socket left while the batch was on its way
            await self._fan_out(lab_id, message)
            if message.get("seq") is not None:  # after the sockets have it: a heartbeat never overtakes it
                self.delivered[lab_id] = max(self.delivered.get(lab_id, 0), message["seq"])

    async def _fan_out(self, lab_id: int, message: dict) -> None:
        message = await self._with_lazy(lab_id, message)
        for consumer in list(self.subscribers.get(lab_id, ())):
            try:
                await consumer.deliver(message)
            except Exception:  # one broken socket must not stop the others
                log.exception("live delivery failed")

    async def _with_lazy(self, lab_id: int, message: dict) -> dict:
        """The batch with its lazy widgets that this process's sockets show, rendered once here."""
        lazy = message.get("lazy")
        if not lazy:
            return message
        shown = set()
        for consumer in self.subscribers.get(lab_id, ()):
            shown |= getattr(consumer, "shown", None) or set()
        wanted = wanted_keys(shown, lazy)
        if not wanted:
            return message
        try:
            fragments, stale = await database_sync_to_async(render_keys)(lab_id, wanted)
        except Exception:  # the database was busy: the pages that show them resync
            log.exception("live hub: lab %s: could not render %s", lab_id, sorted(wanted))
            fragments, stale = {}, sorted(wanted)
        return {**message, "widgets": {**message["widgets"], **fragments},
                "stale": [*message.get("stale", ()), *stale], "lazy": []}

    # --- the heartbeat --------------------------------------------------------------------------

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            try:
                await self.beat()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database was busy: next time
                log.exception("live hub: heartbeat failed")

    async def beat(self) -> None:
        """One heartbeat (the loop calls it every `heartbeat` seconds; tests call it directly)."""
        self._ensure_tasks()
        labs = list(self.subscribers)
        if not labs:
            return
        self.stats["beats"] += 1
        published = await published_seqs(labs)
        for lab_id in labs:
            if lab_id not in self.subscribers or lab_id not in published:
                continue  # left meanwhile, or the lab was deleted
            expected, self.expected[lab_id] = self.expected.get(lab_id), published[lab_id]
            lost = expected is not None and self.delivered.get(lab_id, 0) < expected
            if lost or lab_id not in self.bound:
                self.stats["rebinds"] += 1
                log.warning("live hub: lab %s: %s; binding its group again", lab_id,
                            f"batches up to {expected} never arrived (delivered {self.delivered.get(lab_id, 0)})"
                            if lost else "its group was not bound")
                await self._reconcile(lab_id, rebind=True)
                # what went missing is lost for good: every page resyncs to what is published now
                self.delivered[lab_id] = max(self.delivered.get(lab_id, 0), published[lab_id])
            await self._fan_out(lab_id, self._beat_message(lab_id))

    def _beat_message(self, lab_id: int, ack: bool = False) -> dict:
        seq = self.delivered.get(lab_id, 0)
        # "prev"/"events" as a batch has them: the JSON stream reads anything before `seq` it lacks
        return {"type": "lab.beat", "lab": lab_id, "prev": seq, "seq": None, "events": [],
                "html": beat_html(seq, self.heartbeat, ack)}


_hubs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """This event loop's hub (daphne has one loop; tests start a loop per test)."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub()
    return _hubs[loop]
