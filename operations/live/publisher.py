"""The runner that holds a lab publishes it: each step, for every held lab with new events or
moving tasks, one batch (fragments rendered once, events as JSON) goes to the lab's group."""

from __future__ import annotations

import json
import logging

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F, Q

from inventory.models import Lab
from operations.models import Event, Task
from operations.present import event as present_event

from . import group_for
from .fragments import render_batch

log = logging.getLogger(__name__)
MAX_EVENTS = 500  # per batch; a longer backlog goes out over the next steps


def event_json(event: Event) -> dict:
    return json.loads(json.dumps(present_event(event), cls=DjangoJSONEncoder))


def collect(owned: set[int], moving: dict[int, set[int]]) -> list[tuple[int, dict]]:
    """Batches for the labs in `owned` that have unpublished events, or tasks in `moving`
    (lab -> task ids whose progress changed). Each lab's published_seq moves forward with a
    conditional update, so a batch is published once even if two runners raced for the lab."""
    batches = []
    labs = Lab.objects.filter(pk__in=owned).filter(Q(event_seq__gt=F("published_seq")) | Q(pk__in=list(moving)))
    for lab in labs:
        try:
            prev = lab.published_seq
            events = list(Event.objects.filter(lab=lab, seq__gt=prev).order_by("seq")[:MAX_EVENTS])
            seq = events[-1].seq if events else prev
            busy = list(Task.objects.filter(pk__in=moving.get(lab.pk, ())))
            message = {"type": "lab.batch", "lab": lab.pk, "prev": prev, "seq": seq,
                       **render_batch(lab, events, prev, seq, busy), "events": [event_json(e) for e in events]}
            # rendered: now claim the numbers (another runner may have published them meanwhile)
            if seq != prev and not Lab.objects.filter(pk=lab.pk, published_seq=prev).update(published_seq=seq):
                continue
            batches.append((lab.pk, message))
        except Exception:  # this lab's batch goes out next step; the others go now
            log.exception("lab %s: could not render its live batch", lab.pk)
    return batches


def unclaim(lab_id: int, prev: int, seq: int) -> bool:
    """A batch that could not be sent is not published: its numbers go back (unless another
    runner published further meanwhile), and the next step renders it again."""
    return bool(Lab.objects.filter(pk=lab_id, published_seq=seq).update(published_seq=prev))


async def publish(batches: list[tuple[int, dict]]) -> None:
    """Send each batch to its lab's group. An event counts as published once its batch was handed
    to the channel layer: a batch the layer refuses gives its numbers back (unclaim)."""
    layer = get_channel_layer()
    failed: dict[int, tuple[int, int]] = {}  # lab -> (first prev, last seq) of its batches not sent
    for lab_id, message in batches:
        try:
            await layer.group_send(group_for(lab_id), message)
        except Exception:  # the layer is down: the pages resync when it is back
            log.exception("lab %s: its live batch could not be sent; it goes out again next step", lab_id)
            if message.get("seq") != message.get("prev"):
                first, last = failed.get(lab_id, (message["prev"], message["seq"]))
                failed[lab_id] = (min(first, message["prev"]), max(last, message["seq"]))
    for lab_id, (prev, seq) in failed.items():
        await database_sync_to_async(unclaim)(lab_id, prev, seq)
