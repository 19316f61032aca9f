"""Where the runner lives: in the web server's asyncio loop (embedded, the default for
`make run`), or in a process of its own (`manage.py simworker`). Services call wake() after
they commit a new task or a cancel, so the embedded runner reacts at once instead of at its
next tick; a standalone worker in another process finds them at its next tick."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import logging

from operations.live import publisher

from .runner import TICK_S, Runner

log = logging.getLogger(__name__)

_wakeup = threading.Event()
_wake_loop: Callable[[], None] | None = None


def wake() -> None:
    _wakeup.set()
    if _wake_loop is not None:
        _wake_loop()


def run_in_thread(runner: Runner) -> threading.Thread:
    """Run `runner` in a daemon thread of this process (the standalone loop, in-process)."""
    thread = threading.Thread(target=runner.run_forever, args=(_wakeup,), name="sim-runner", daemon=True)
    thread.start()
    return thread


async def run_embedded(runner: Runner, tick: float = TICK_S) -> None:
    """The runner as a task of an event loop (the web server's, or simworker's own): database
    work and rendering run on one dedicated thread, so the loop never blocks and the runner keeps
    one connection; the batches are published from the loop, where the channel layer lives."""
    global _wake_loop
    loop = asyncio.get_running_loop()
    woken = asyncio.Event()
    _wake_loop = lambda: loop.call_soon_threadsafe(woken.set)  # noqa: E731
    executor = ThreadPoolExecutor(1, thread_name_prefix="sim-runner")
    try:
        while not runner.stop.is_set():
            batches = await loop.run_in_executor(executor, runner.step_safely)
            try:
                await publisher.publish(batches)
            except Exception:  # the channel layer is down: the pages resync when it is back
                log.exception("publishing failed")
            try:
                await asyncio.wait_for(woken.wait(), tick)
            except TimeoutError:
                pass
            woken.clear()
    finally:
        _wake_loop = None
        executor.shutdown(wait=False)
