"""A batch of a lab's changes as the pages hold them: the widgets' fragments by key
(widgets.py), and the message each socket is sent, composed from the keys its page shows."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from inventory.models import Lab
from operations.maps import lab_map

from .widgets import WIDGETS, changes_of, render_widgets

# the websocket server refuses frames above 1 MiB (autobahn's default in daphne): a live message
# stays well under it; what does not fit goes in further messages, a fragment alone too large is
# replaced by a resync instruction
MESSAGE_MAX_BYTES = 512 * 1024


def seq_html(prev: int, seq: int, resync: bool = False) -> str:
    return format_html('<span id="live-seq" data-seq="{}" data-prev="{}"{} hidden></span>', seq, prev,
                       mark_safe(' data-resync="1"') if resync else "")


def render_batch(lab: Lab, events, prev_seq: int, seq: int, busy_tasks) -> dict:
    """`events`: the batch's new events (seq prev_seq+1 .. seq); `busy_tasks`: tasks whose progress
    moved. Returns {"widgets": key -> fragment, "stale": keys too large to push, "lazy": keys the
    web processes render for the pages that show them}."""
    fragments, stale, lazy = render_widgets(changes_of(lab, events, busy_tasks))
    return {"widgets": fragments, "stale": stale, "lazy": lazy}


def compose(message: dict, shown: frozenset | None = None, limit: int = MESSAGE_MAX_BYTES) -> list[str]:
    """The text frames for a socket whose page shows the widget keys `shown` (None: every one):
    the sequence marker first (with a resync instruction if a widget it shows was too large to
    push), then its fragments, split into several frames if together they would exceed `limit`."""
    if "widgets" not in message:  # a heartbeat, or a batch made by hand
        return [message["html"]]
    wanted = [k for k in message["widgets"] if shown is None or k in shown]
    sized = [(message["widgets"][k], len(message["widgets"][k].encode()) + 1) for k in wanted]
    fitting = [(html, n) for html, n in sized if n + 200 <= limit]
    resync = len(fitting) < len(sized) or any(shown is None or k in shown for k in message.get("stale", ()))
    head = seq_html(message["prev"], message["seq"], resync)
    frames, current, size = [], [head], len(head)
    for html, n in fitting:
        if size + n > limit:
            frames.append("\n".join(current))
            current, size = [], 0
        current.append(html)
        size += n
    frames.append("\n".join(current))
    return frames


def beat_html(upto: int, every: float, ack: bool = False) -> str:
    """The hub's heartbeat for a page: every batch up to `upto` went out to this socket; the next
    heartbeat comes in `every` seconds. The page swaps nothing for it (static/js/vcenter.js).
    `ack`: the answer to a page that told its socket which widgets it shows."""
    return format_html('<span id="live-beat" data-upto="{}" data-every="{}"{} hidden></span>', upto, every,
                       mark_safe(' data-ack="1"') if ack else "")


def map_context(lab: Lab) -> dict:
    return {"lab": lab, "map": lab_map(lab)}


__all__ = ["render_batch", "compose", "beat_html", "map_context", "seq_html", "WIDGETS", "MESSAGE_MAX_BYTES"]
