"""Waking the runner of this process: services call wake() once their transaction commits a new
task, a cancel or an input (transaction.on_commit), so an embedded runner reacts at once instead
of at its next tick; a standalone worker in another process finds them at its next tick. A module
of its own, below services and runner alike."""

from __future__ import annotations

import threading
from typing import Callable

wakeup = threading.Event()  # the thread runner's (run_forever) wait
_loop_wake: Callable[[], None] | None = None  # the embedded runner's, set while it runs


def wake() -> None:
    wakeup.set()
    if _loop_wake is not None:
        _loop_wake()


def set_loop_wake(callback: Callable[[], None] | None) -> None:
    global _loop_wake
    _loop_wake = callback
