"""Where the runner lives: in the web server's asyncio loop (embedded, the default for
`make run`), or in a process of its own (`manage.py simworker`). Services call wake() after
they commit a new task or a cancel, so the embedded runner reacts at once instead of at its
next tick; a standalone worker in another process finds them at its next tick."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from operations.live import publisher
from operations.wakeup import set_loop_wake, wake, wakeup

from .runner import TICK_S, Runner

__all__ = ["run_embedded", "run_in_thread", "wake"]

log = logging.getLogger(__name__)
# a file to append each step's figures to (labs' lags once published, CPU time): bench/engine.py
STATS_FILE = os.environ.get("SIM_STATS_FILE", "")


def record_step(runner: Runner, path: str) -> None:
    wall = time.time()
    line = {"wall": wall, "cpu": time.process_time(), "lags": runner.lags(wall)}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def run_in_thread(runner: Runner) -> threading.Thread:
    """Run `runner` in a daemon thread of this process (the standalone loop, in-process)."""
    thread = threading.Thread(target=runner.run_forever, args=(wakeup,), name="sim-runner", daemon=True)
    thread.start()
    return thread


async def run_embedded(runner: Runner, tick: float = TICK_S) -> None:
    """The runner as a task of an event loop (the web server's, or simworker's own): database
    work and rendering run on one dedicated thread, so the loop never blocks and the runner keeps
    one connection; the batches are published from the loop, where the channel layer lives."""
    loop = asyncio.get_running_loop()
    woken = asyncio.Event()
    set_loop_wake(lambda: loop.call_soon_threadsafe(woken.set))
    executor = ThreadPoolExecutor(1, thread_name_prefix="sim-runner")
    try:
        while not runner.stop.is_set():
            batches = await loop.run_in_executor(executor, runner.step_safely)
            try:
                await publisher.publish(batches)
            except Exception:  # the channel layer is down: the pages resync when it is back
                log.exception("publishing failed")
            if STATS_FILE:
                record_step(runner, STATS_FILE)
            try:
                await asyncio.wait_for(woken.wait(), tick)
            except TimeoutError:
                pass
            woken.clear()
    finally:
        set_loop_wake(None)
        executor.shutdown(wait=False)
