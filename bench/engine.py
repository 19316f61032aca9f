"""Engine throughput benchmark (issue 11, item 4): a class of seed-article labs, each with 8
running VMs (the article's three and five added), all migrating at once, on the runner.

    python bench/engine.py [--labs 30] [--speed 100] [--seconds 20] [--profile]

Figures, per mode:
- lag: how far each lab's published simulation is behind its clock, in wall time, when the step
  that simulated it hands its batch to the channel layer: (clock now - simulated instant) / speed.
  Every lab at every step is a sample; p50 and p99. Target: p99 under 100 ms at 100x.
- progress rate at 1x: how often each running VMotion's progress reaches the channel layer, per
  second of wall time. Target: at least 2 per second.
- CPU per active lab: the runner's CPU time over the run, divided by the wall time and the number
  of labs with work, in percent of one core.
- the reference is the same figure for one lab (ratio = 30 labs / 1 lab).

It builds a throwaway SQLite database (or uses DATABASE_URL's server with --database-url) and runs
the runner in this process, as the embedded default does. With --workers N (PostgreSQL only) it
runs N `manage.py simworker` processes instead and reads their per-step figures (SIM_STATS_FILE).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_LAG_MS = 100.0
TARGET_PROGRESS_PER_S = 2.0
ADDED_VMS = 5


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vcenter_web.settings")
    os.environ["SIM_RUNNER"] = "off"  # the benchmark drives its own runner
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def build_class(labs: int, tag: str) -> list[int]:
    """`labs` seed-article labs with 8 powered-on VMs each, clocks paused; returns their pks."""
    from django.contrib.auth import get_user_model

    from inventory.models import Datastore, Host, Lab, Network, VirtualMachine
    from inventory.presets import lab_create
    from inventory.services.vms import vm_create
    from operations.services.clock import clock_set
    from operations.services.power import vm_power

    owner, _ = get_user_model().objects.get_or_create(username=f"bench-{tag}")
    ids = []
    for n in range(labs):
        lab = lab_create(owner=owner, preset="seed-article", name=f"Class {tag} {n + 1}", quota=False)
        hosts = list(Host.objects.filter(lab=lab).order_by("name"))
        datastore = Datastore.objects.get(lab=lab, name="iscsi-vmfs01")
        network = Network.objects.filter(lab=lab).first()
        for i in range(ADDED_VMS):
            vm_create(host=hosts[i % 2], name=f"Added{i + 1:02d}", user=owner, datastore=datastore, network=network,
                      guest_os="winXPProGuest", num_cpu=1, memory_mb=512, disk_mb=4096, provisioning="thin")
        for vm in VirtualMachine.objects.filter(lab=lab, power_state="poweredOff"):
            vm_power(vm=vm, action="power-on", user=owner)
        clock_set(lab=lab, user=owner, speed=100, paused=False)
        ids.append(lab.pk)
    run_until_idle(ids)
    for lab in Lab.objects.filter(pk__in=ids):
        clock_set(lab=lab, user=owner, paused=True)
    assert VirtualMachine.objects.filter(lab_id__in=ids, power_state="poweredOn").count() == 8 * labs
    return ids


def run_until_idle(ids: list[int], limit_s: float = 300) -> None:
    from django.db.models import F

    from inventory.models import Lab
    from operations.models import Task
    from operations.runner.runner import ACTIVE, Runner

    runner = Runner()
    deadline = time.time() + limit_s
    while Task.objects.filter(lab_id__in=ids, state__in=ACTIVE).exists() or \
            Lab.objects.filter(pk__in=ids, event_seq__gt=F("published_seq")).exists():
        if time.time() > deadline:
            raise SystemExit("the class's tasks did not finish")
        runner.step()
        time.sleep(0.05)
    for lab_id in list(runner.labs) + ids:
        runner.release(lab_id)  # the measured runner claims them at once


def start_vmotions(ids: list[int], speed: float) -> int:
    """Every running VM of every lab migrates to the other host; the clocks run at `speed`."""
    from inventory.models import Host, Lab, VirtualMachine
    from operations.services.clock import clock_set
    from operations.services.migrate import vm_migrate

    started = 0
    for lab in Lab.objects.filter(pk__in=ids).select_related("owner"):
        hosts = list(Host.objects.filter(lab=lab).order_by("name"))
        for vm in VirtualMachine.objects.filter(lab=lab, power_state="poweredOn").order_by("pk"):
            other = hosts[1] if vm.host_id == hosts[0].pk else hosts[0]
            vm_migrate(vm=vm, host=other, user=lab.owner, priority="low")
            started += 1
    for lab in Lab.objects.filter(pk__in=ids).select_related("owner"):
        clock_set(lab=lab, user=lab.owner, speed=speed, paused=False)
    return started


class Measured:
    """The runner's steps, with each lab's lag at publication and each task's progress reports."""

    def __init__(self):
        self.lags: list[float] = []
        self.steps: list[float] = []
        self.reports: dict[int, int] = {}  # task -> changes of its progress or phase seen
        self.running: dict[int, float] = {}  # task -> wall seconds seen running (not queued)

    def sample(self, runner) -> None:
        """After the step's batches went to the channel layer: each lab it simulated."""
        from inventory.models import Lab

        wall = time.time()
        for lab in Lab.objects.filter(pk__in=list(runner.processed)).only(
                "pk", "sim_seconds", "clock_wall_at", "clock_speed", "clock_paused"):
            if not lab.clock_paused:
                self.lags.append(max(0.0, lab.clock.now(wall) - runner.processed[lab.pk]) / lab.clock_speed)


def run_embedded(ids: list[int], speed: float, seconds: float, profile: bool) -> dict:
    """The runner in this process, stepping every TICK_S as the embedded default does."""
    from operations.live import publisher
    from operations.models import Task
    from operations.runner.runner import ACTIVE, TICK_S, Runner

    from inventory.models import VirtualMachine
    from operations.live.fragments import compose
    from operations.live.widgets import render_keys

    # one viewer per lab, on the Summary page of the lab's first VM (as pages_of in live_batch.py):
    # what its web process renders for it (render_keys, the hub's work) happens in this process, as
    # in the embedded default, and counts in the lag
    pages = {}
    for vm in VirtualMachine.objects.filter(lab_id__in=ids).order_by("pk"):
        pages.setdefault(vm.lab_id, frozenset({"tasks", "fault-badge", "tree", f"head:{vm.moid}", f"vm:{vm.pk}"}))
    tasks = start_vmotions(ids, speed)
    runner = Runner()
    measured = Measured()
    loop = asyncio.new_event_loop()
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    cpu0, wall0 = time.process_time(), time.time()
    busy_labs = set()
    progress_seen: dict[int, tuple] = {}
    last = time.time()
    while time.time() - wall0 < seconds:
        started = time.time()
        runner.step_safely()
        busy_labs |= set(runner.labs)
        loop.run_until_complete(publisher.publish(runner.batches))
        for lab_id, message in runner.batches:  # the viewer's web process
            if lab_id not in pages:
                continue
            wanted = pages[lab_id].intersection(message.get("lazy", ()))
            fragments, stale = render_keys(lab_id, wanted) if wanted else ({}, [])
            compose({**message, "widgets": {**message["widgets"], **fragments}, "stale": stale}, pages[lab_id])
        measured.sample(runner)
        measured.steps.append(time.time() - started)
        for task_id, state, progress, phase in Task.objects.filter(lab_id__in=ids, state__in=ACTIVE).values_list(
                "pk", "state", "progress", "phase"):
            if state != "running" or phase.startswith("Waiting"):
                continue  # in the queue: nothing moves
            measured.running[task_id] = measured.running.get(task_id, 0.0) + (time.time() - last)
            if progress_seen.get(task_id) != (progress, phase):
                measured.reports[task_id] = measured.reports.get(task_id, 0) + 1
                progress_seen[task_id] = (progress, phase)
        last = time.time()
        if not Task.objects.filter(lab_id__in=ids, state__in=ACTIVE).exists():
            break
        time.sleep(max(0.0, TICK_S - (time.time() - started)))
    wall = time.time() - wall0
    cpu = time.process_time() - cpu0
    if profiler is not None:
        profiler.stop()
        Path("/tmp/engine-profile.txt").write_text(profiler.output_text(unicode=False, color=False, show_all=False))
        Path("/tmp/engine-profile.html").write_text(profiler.output_html())
    loop.close()
    done = Task.objects.filter(lab_id__in=ids, state="success", kind="vm.vmotion").count()
    failed = Task.objects.filter(lab_id__in=ids, state="error", kind="vm.vmotion").count()
    return {
        "tasks": tasks, "done": done, "failed": failed, "wall_s": wall,
        "lag_p50_ms": pct(measured.lags, 50) * 1000, "lag_p99_ms": pct(measured.lags, 99) * 1000,
        "step_p50_ms": pct(measured.steps, 50) * 1000, "step_p99_ms": pct(measured.steps, 99) * 1000,
        "cpu_per_lab_pct": 100 * cpu / wall / max(1, len(busy_labs)),
        "cpu_pct": 100 * cpu / wall,
        "progress_per_s": statistics.median([measured.reports.get(t, 0) / s for t, s in measured.running.items() if s > 1])
        if measured.running else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labs", type=int, default=30)
    parser.add_argument("--speed", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=20, help="wall seconds at most per run")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        setup(args.database_url or f"sqlite:///{workdir}/bench.sqlite3")
        t0 = time.time()
        one = build_class(1, "ref")
        many = build_class(args.labs, "class")
        print(f"built {args.labs + 1} labs in {time.time() - t0:.1f} s")
        ref = run_embedded(one, args.speed, args.seconds, False)
        res = run_embedded(many, args.speed, args.seconds, args.profile)
        print(json.dumps({"reference (1 lab)": ref, f"{args.labs} labs": res}, indent=1))


if __name__ == "__main__":
    main()
