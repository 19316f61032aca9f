"""Live fan-out benchmark: latency from publishing a lab batch to its receipt by N browsers'
sockets, through the product's path (Redis pub/sub -> one daphne web process -> its hub -> every
socket), against the floor: a bare `websockets` server broadcasting the same bytes.

    python bench/fanout.py [--clients 50 200 500] [--sizes 1000 4600] [--messages 60] [--rate 20]

Needs Redis on 127.0.0.1:6379. It builds a throwaway SQLite database with the demo lab, starts
`manage.py serve` with REDIS_URL, opens the sockets with real session cookies, publishes 1 KB
batches to the lab's group as a simworker does, and prints p50/p99 and the ratio to the floor.
Sizes: 1 KB, and 4.6 KB: what a VM Summary page's socket receives for one batch of the seed
article's lab (bench/live_batch.py). Memory: the web process's resident size with the sockets
open, and per open socket. Targets (issue 11): p99 at most 3x the floor at 50, 200 and 500.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
PAD = "x" * 1000  # replaced per run (--sizes)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    """Until the server started on `port` accepts connections."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.05)


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def receive_all(sockets, expected: int, latencies: list[float]):
    async def one(ws):
        received = 0
        while received < expected:
            text = await ws.recv()
            if 'id="live-beat"' in text:  # the hub's greeting and heartbeats (operations/live/hub.py)
                continue
            received += 1
            sent = float(text.split('data-t="', 1)[1].split('"', 1)[0])
            latencies.append((time.perf_counter() - sent) * 1000)
    await asyncio.gather(*(one(ws) for ws in sockets))


async def product(clients: int, messages: int, rate: float, url: str, cookie: str, origin: str,
                  server: int = 0, memory: dict | None = None) -> list[float]:
    import websockets
    from channels_redis.pubsub import RedisPubSubChannelLayer

    before = rss_kb(server) if server else 0
    sockets = [await websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": origin},
                                        max_queue=None) for _ in range(clients)]
    await asyncio.sleep(1.0)  # every socket joined through the hub
    if memory is not None and server:
        memory["before_kb"], memory["open_kb"] = before, rss_kb(server)
    layer = RedisPubSubChannelLayer(hosts=[REDIS])
    latencies: list[float] = []
    receiver = asyncio.ensure_future(receive_all(sockets, messages, latencies))
    for seq in range(messages):
        html = f'<span id="live-seq" data-t="{time.perf_counter()}" data-seq="{seq}"></span>{PAD}'
        await layer.group_send("lab-1", {"type": "lab.batch", "lab": 1, "prev": seq, "seq": seq, "html": html,
                                         "events": []})
        await asyncio.sleep(1 / rate)
    await asyncio.wait_for(receiver, 30)
    for ws in sockets:
        await ws.close()
    await layer.flush()
    return latencies


async def floor(clients: int, messages: int, rate: float) -> list[float]:
    import websockets

    connected = set()

    async def handler(ws):
        connected.add(ws)
        await ws.wait_closed()

    port = free_port()
    async with websockets.serve(handler, "127.0.0.1", port):
        sockets = [await websockets.connect(f"ws://127.0.0.1:{port}", max_queue=None) for _ in range(clients)]
        while len(connected) < clients:
            await asyncio.sleep(0.01)
        latencies: list[float] = []
        receiver = asyncio.ensure_future(receive_all(sockets, messages, latencies))
        for seq in range(messages):
            websockets.broadcast(connected, f'<span data-t="{time.perf_counter()}"></span>{PAD}')
            await asyncio.sleep(1 / rate)
        await asyncio.wait_for(receiver, 30)
        for ws in sockets:
            await ws.close()
    return latencies


def session_cookie(env: dict) -> str:
    """A logged-in session of the demo user, made in the database the server reads."""
    code = ("from django.contrib.auth import get_user_model;"
            "from django.contrib.sessions.backends.db import SessionStore;"
            "u = get_user_model().objects.get(username='student1'); s = SessionStore();"
            "s['_auth_user_id'] = str(u.pk); s['_auth_user_backend'] = 'django.contrib.auth.backends.ModelBackend';"
            "s['_auth_user_hash'] = u.get_session_auth_hash(); s.create(); print(s.session_key)")
    key = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return f"sessionid={key}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200, 500])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4600])
    parser.add_argument("--messages", type=int, default=60)
    parser.add_argument("--rate", type=float, default=20.0)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="vcenterlab-bench-")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3", "REDIS_URL": REDIS,
           "SIM_RUNNER": "off", "PYTHONUNBUFFERED": "1"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "loaddemo"], cwd=ROOT, env=env, check=True, capture_output=True)
    cookie = session_cookie(env)
    port = free_port()
    server = subprocess.Popen([sys.executable, "manage.py", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port)
        url, origin = f"ws://127.0.0.1:{port}/ws/labs/lab-1/live", f"http://127.0.0.1:{port}"
        global PAD
        print(f"{'clients':>7} {'bytes':>6} {'floor p50':>10} {'floor p99':>10} {'ours p50':>9} {'ours p99':>9} "
              f"{'p99 ratio':>9} {'target':>7}   web process RSS (sockets open), per socket")
        for size in args.sizes:
            PAD = "x" * size
            for n in args.clients:
                memory: dict = {}
                base = asyncio.run(floor(n, args.messages, args.rate))
                ours = asyncio.run(product(n, args.messages, args.rate, url, cookie, origin, server.pid, memory))
                ratio = percentile(ours, 99) / max(percentile(base, 99), 0.001)
                per_socket = (memory["open_kb"] - memory["before_kb"]) / n
                print(f"{n:>7} {size:>6} {statistics.median(base):>8.1f}ms {percentile(base, 99):>8.1f}ms "
                      f"{statistics.median(ours):>7.1f}ms {percentile(ours, 99):>7.1f}ms {ratio:>8.1f}x "
                      f"{'<=3x':>7}{'' if ratio <= 3 else ' MISSED'}   {memory['open_kb'] / 1024:.0f} MB, "
                      f"{per_socket:.0f} KB")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
