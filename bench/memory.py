"""Memory benchmark (issue 11, item 6): the web process's resident size (embedded default: it also
runs the simulation) idle, with page sockets open, and while a class of labs works, sampled over a
run of mixed operations; and whether it grows.

    python bench/memory.py [--labs 30] [--sockets 60] [--minutes 10] [--speed 10]

It builds a throwaway SQLite database with `--labs` seed-article labs, starts `manage.py serve`
on it, opens `--sockets` page sockets (a VM Summary page each, spread over the labs, every message
read), then drives every lab for `--minutes` at `--speed`: VMotions of W2K8-Web01 back and forth,
XP-Client01 powered on and off, RHEL5-DB01 snapshotted and its snapshot removed, one after the
other as each finishes, through the services (as the API does), while the server's runner
simulates and publishes. Figures: RSS idle, per open socket, per active lab, and the growth
between the first and the last third of the run (after a minute of warm-up). Target: no growth
(under 5% and under 10 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from fanout import free_port, rss_kb, session_cookie, wait_for_port  # noqa: E402 (the same server set-up as the fan-out bench)

GROWTH_PCT, GROWTH_MB = 5.0, 10.0


def setup(workdir: str) -> dict:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3", "PYTHONUNBUFFERED": "1"}
    os.environ.update({"DATABASE_URL": env["DATABASE_URL"], "DJANGO_SETTINGS_MODULE": "vcenter_web.settings",
                       "SIM_RUNNER": "off"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("loaddemo", stdout=io.StringIO())
    return env


def build(labs: int, speed: float) -> list[dict]:
    from django.contrib.auth import get_user_model

    from inventory.models import Host, Lab, VirtualMachine
    from inventory.presets import lab_create

    owner = get_user_model().objects.get(username="student1")
    pages = []
    for n in range(labs):
        lab = lab_create(owner=owner, preset="seed-article", name=f"Memory {n + 1}", quota=False)
        Lab.objects.filter(pk=lab.pk).update(clock_speed=speed, clock_paused=False, clock_wall_at=time.time())
        vms = {vm.name: vm for vm in VirtualMachine.objects.filter(lab=lab)}
        hosts = list(Host.objects.filter(lab=lab).order_by("name"))
        web = vms["W2K8-Web01"]
        pages.append({"lab": lab.pk, "moid": lab.moid, "hosts": [h.pk for h in hosts], "vms": {k: v.pk for k, v in vms.items()},
                      "widgets": ["tasks", "fault-badge", "tree", f"head:{web.moid}", f"vm:{web.pk}",
                                  f"commands:{web.moid}"]})
    return pages


def drive(pages: list[dict], stop: threading.Event, counts: dict) -> None:
    """Each lab runs its next operation as soon as the previous one ended."""
    from django.db import close_old_connections

    from inventory.models import Host, VirtualMachine
    from inventory.services.vms import vm_snapshot_create, vm_snapshot_remove_all
    from operations.models import Task
    from operations.runner.runner import ACTIVE
    from operations.services.migrate import vm_migrate
    from operations.services.power import vm_power

    step = {p["lab"]: 0 for p in pages}
    while not stop.is_set():
        close_old_connections()
        busy = set(Task.objects.filter(lab_id__in=list(step), state__in=ACTIVE).values_list("lab_id", flat=True))
        for page in pages:
            if page["lab"] in busy:
                continue
            n = step[page["lab"]] % 4
            step[page["lab"]] += 1
            try:
                if n in (0, 2):
                    vm = VirtualMachine.objects.get(pk=page["vms"]["W2K8-Web01"])
                    other = next(h for h in page["hosts"] if h != vm.host_id)
                    vm_migrate(vm=vm, host=Host.objects.get(pk=other), user=vm.lab.owner, priority="high")
                elif n == 1:
                    vm = VirtualMachine.objects.get(pk=page["vms"]["XP-Client01"])
                    action = "power-off" if vm.power_state == "poweredOn" else "power-on"
                    vm_power(vm=vm, action=action, user=vm.lab.owner)
                else:
                    vm = VirtualMachine.objects.get(pk=page["vms"]["RHEL5-DB01"])
                    if vm.snapshots.exists():
                        vm_snapshot_remove_all(vm=vm, user=vm.lab.owner)
                    else:
                        vm_snapshot_create(vm=vm, name=f"snap {step[page['lab']]}", user=vm.lab.owner)
                counts["operations"] = counts.get("operations", 0) + 1
            except Exception as error:  # refused (the VM is busy...): counted, the next one goes on
                counts["refused"] = counts.get("refused", 0) + 1
                counts["last_refusal"] = str(error)[:200]
        stop.wait(1.0)


async def viewers(url_of, cookie: str, origin: str, pages: list[dict], sockets: int, opened: asyncio.Event,
                  done: asyncio.Event, counts: dict) -> None:
    import websockets

    async def one(page):
        async with websockets.connect(url_of(page), additional_headers={"Cookie": cookie, "Origin": origin},
                                      max_queue=None, max_size=None) as ws:
            await ws.recv()  # the greeting
            await ws.send(json.dumps({"widgets": page["widgets"]}))
            counts["open"] = counts.get("open", 0) + 1
            if counts["open"] == sockets:
                opened.set()
            while not done.is_set():
                try:
                    await asyncio.wait_for(ws.recv(), 1.0)
                    counts["messages"] = counts.get("messages", 0) + 1
                except asyncio.TimeoutError:
                    continue

    await asyncio.gather(*(one(pages[i % len(pages)]) for i in range(sockets)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labs", type=int, default=30)
    parser.add_argument("--sockets", type=int, default=60)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--speed", type=float, default=10)
    parser.add_argument("--every", type=float, default=15, help="seconds between two samples")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="vcenterlab-memory-")
    env = setup(workdir)
    pages = build(args.labs, args.speed)
    cookie = session_cookie(env)
    port = free_port()
    server = subprocess.Popen([sys.executable, "manage.py", "serve", "--port", str(port)], cwd=ROOT,
                              env={**env, "SIM_RUNNER": "embedded"}, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    samples: list[tuple[float, int]] = []
    counts: dict = {}
    stop = threading.Event()
    try:
        wait_for_port(port)
        time.sleep(5)  # the runner publishes the labs' creation
        idle = rss_kb(server.pid)

        async def run() -> None:
            opened, done = asyncio.Event(), asyncio.Event()
            watch = asyncio.ensure_future(viewers(lambda p: f"ws://127.0.0.1:{port}/ws/labs/{p['moid']}/live", cookie,
                                                  f"http://127.0.0.1:{port}", pages, args.sockets, opened, done, counts))
            await asyncio.wait_for(opened.wait(), 120)
            await asyncio.sleep(3)
            counts["with_sockets"] = rss_kb(server.pid)
            driver = threading.Thread(target=drive, args=(pages, stop, counts), daemon=True)
            driver.start()
            started = time.monotonic()
            while time.monotonic() - started < args.minutes * 60:
                await asyncio.sleep(args.every)
                samples.append((time.monotonic() - started, rss_kb(server.pid)))
                print(f"  {samples[-1][0]:6.0f} s  RSS {samples[-1][1] / 1024:7.1f} MB  operations "
                      f"{counts.get('operations', 0)}  messages {counts.get('messages', 0)}", flush=True)
            stop.set()
            driver.join(30)
            done.set()
            await asyncio.wait_for(watch, 30)

        asyncio.run(run())
    finally:
        stop.set()
        server.terminate()
        server.wait(30)
    warm = [rss for t, rss in samples if t >= 60] or [rss for _, rss in samples]
    third = max(1, len(warm) // 3)
    first, last = statistics.mean(warm[:third]), statistics.mean(warm[-third:])
    growth_mb, growth_pct = (last - first) / 1024, 100 * (last - first) / first
    per_socket = (counts["with_sockets"] - idle) / args.sockets
    per_lab = (statistics.mean(warm) - counts["with_sockets"]) / args.labs
    met = growth_pct < GROWTH_PCT and growth_mb < GROWTH_MB
    print(f"memory of the web process (embedded runner), {args.labs} seed-article labs working at {args.speed:g}x, "
          f"{args.sockets} page sockets, {args.minutes:g} min, {counts.get('operations', 0)} operations "
          f"({counts.get('refused', 0)} refused), {counts.get('messages', 0)} messages read")
    print(f"{'RSS idle (labs built, no socket)':<44} {idle / 1024:8.1f} MB")
    print(f"{'RSS with the sockets open':<44} {counts['with_sockets'] / 1024:8.1f} MB  "
          f"{per_socket:6.1f} KB per socket")
    print(f"{'RSS while the class works (mean)':<44} {statistics.mean(warm) / 1024:8.1f} MB  "
          f"{per_lab:6.1f} KB per active lab")
    print(f"{'growth, first third -> last third':<44} {growth_mb:8.1f} MB  {growth_pct:5.1f}%   target "
          f"<{GROWTH_PCT:g}% and <{GROWTH_MB:g} MB{'' if met else '  MISSED'}")


if __name__ == "__main__":
    main()
