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
sys.path.insert(0, str(Path(__file__).resolve().parent))
from fanout import percentile, rss_kb  # noqa: E402 (the benches' shared helpers)
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
    return percentile(values, p) if values else float("nan")


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
        self.lags += runner.lags(time.time()).values()


def run_embedded(ids: list[int], speed: float, seconds: float, profile: bool) -> dict:
    """The runner in this process, stepping every TICK_S as the embedded default does."""
    from operations.live import publisher
    from operations.models import Task
    from operations.runner.runner import ACTIVE, TICK_S, Runner

    from inventory.models import VirtualMachine
    from operations.live.fragments import compose
    from operations.live.widgets import render_keys, wanted_keys

    # one viewer per lab, on the Summary page of the lab's first VM (as pages_of in live_batch.py):
    # what its web process renders for it (render_keys, the hub's work) happens in this process, as
    # in the embedded default, and counts in the lag
    pages = {}
    for vm in VirtualMachine.objects.filter(lab_id__in=ids).order_by("pk"):
        pages.setdefault(vm.lab_id, frozenset({"tasks", "fault-badge", "tree", f"head:{vm.moid}", f"vm:{vm.pk}"}))
    first = (Task.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
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
            wanted = wanted_keys(pages[lab_id], message.get("lazy", ()))
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
    done = Task.objects.filter(lab_id__in=ids, state="success", kind="vm.vmotion", pk__gte=first).count()
    failed = Task.objects.filter(lab_id__in=ids, state="error", kind="vm.vmotion", pk__gte=first).count()
    return {
        "tasks": tasks, "done": done, "failed": failed, "wall_s": wall,
        "lag_p50_ms": pct(measured.lags, 50) * 1000, "lag_p99_ms": pct(measured.lags, 99) * 1000,
        "step_p50_ms": pct(measured.steps, 50) * 1000, "step_p99_ms": pct(measured.steps, 99) * 1000,
        "cpu_per_lab_pct": 100 * cpu / wall / max(1, len(busy_labs)),
        "cpu_pct": 100 * cpu / wall,
        "progress_per_s": statistics.median(rates) if (rates := [
            measured.reports.get(t, 0) / s for t, s in measured.running.items() if s > 1]) else float("nan"),
    }


def run_workers(ids: list[int], speed: float, workers: int, seconds: float, workdir: str) -> dict:
    """`workers` simworker processes (SIM_STATS_FILE: each appends its steps' lags) share the labs."""
    from operations.models import Task
    from operations.runner.runner import ACTIVE

    files = [Path(workdir) / f"worker{n}-{workers}.jsonl" for n in range(workers)]
    env = {**os.environ, "SIM_RUNNER": "off"}
    procs = [subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "simworker"], cwd=ROOT,
                              env={**env, "SIM_STATS_FILE": str(f)}, stdout=subprocess.DEVNULL)
             for f in files]
    def cpu_seconds() -> float:  # the workers' user + system time (Linux)
        total = 0.0
        for proc in procs:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def rss_mb() -> list[float]:
        return [rss_kb(proc.pid) / 1024 for proc in procs]

    try:
        time.sleep(3)  # the workers start (Django, the database pool); then the class begins
        first = (Task.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        idle_mb = rss_mb()
        cpu0 = cpu_seconds()
        tasks = start_vmotions(ids, speed)
        wall0 = time.time()
        while time.time() - wall0 < seconds and Task.objects.filter(lab_id__in=ids, state__in=ACTIVE).exists():
            time.sleep(0.2)
        wall = time.time() - wall0
        cpu = cpu_seconds() - cpu0
        busy_mb = rss_mb()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    lags, labs_by_worker = [], []
    for f in files:
        lines = [json.loads(line) for line in f.read_text().splitlines()] if f.exists() else []
        lines = [line for line in lines if line["wall"] >= wall0]
        labs = set()
        for line in lines:
            lags += line["lags"].values()
            labs |= set(line["lags"])
        labs_by_worker.append(len(labs))  # the labs it simulated (a lab may move when a lease lapses)
    done = Task.objects.filter(lab_id__in=ids, state="success", kind="vm.vmotion", pk__gte=first).count()
    return {"tasks": tasks, "done": done, "wall_s": wall, "lag_p50_ms": pct(lags, 50) * 1000,
            "lag_p99_ms": pct(lags, 99) * 1000, "cpu_per_lab_pct": 100 * cpu / wall / max(1, len(ids)),
            "labs_per_worker": labs_by_worker, "rss_idle_mb": idle_mb, "rss_mb": busy_mb,
            "kb_per_lab": 1024 * sum(b - i for b, i in zip(busy_mb, idle_mb)) / max(1, len(ids))}


def postgres_url() -> str | None:
    """A throwaway database on the local PostgreSQL server, if there is one."""
    url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/vcenterlab_bench_engine")
    try:
        from vcenter_web.management_db import ensure_database

        ensure_database(url, drop=True)
    except Exception as error:  # no server: the workers' figures are left out, with the reason
        print(f"(no PostgreSQL at {url}: {error.__class__.__name__}; the simworker figures are left out)")
        return None
    return url


def line(name: str, figure: float, reference: float, target: str, met: bool, unit: str = "ms") -> None:
    ratio = figure / reference if reference else float("nan")
    print(f"{name:<44} {figure:>9.1f} {unit:<4} {reference:>9.1f} {unit:<4} {ratio:>6.1f}x {target:>10}"
          f"{'' if met else '  MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labs", type=int, default=30)
    parser.add_argument("--speed", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=20, help="wall seconds at most per run")
    parser.add_argument("--profile", action="store_true", help="pyinstrument profile of the class at --speed")
    parser.add_argument("--no-workers", action="store_true", help="leave out the simworker runs (PostgreSQL)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--workers-only", default="", help=argparse.SUPPRESS)  # the PostgreSQL part, in a child
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.workers_only:
        setup(args.workers_only)
        pg_class = build_class(args.labs, "pg")
        with tempfile.TemporaryDirectory() as workdir:
            print(json.dumps({f"{n} simworker": run_workers(pg_class, args.speed, n, 60, workdir) for n in (1, 2)}))
        return
    results = {}
    pg = None if args.no_workers else postgres_url()
    with tempfile.TemporaryDirectory() as workdir:
        setup(f"sqlite:///{workdir}/bench.sqlite3")
        t0 = time.time()
        one, many = build_class(1, "ref"), build_class(args.labs, "class")
        warm_up(one)
        built = time.time() - t0
        results["ref"] = run_embedded(one, args.speed, args.seconds, False)
        results["class"] = run_embedded(many, args.speed, args.seconds, args.profile)
        results["ref 1x"] = run_embedded(one, 1, args.seconds, False)
        results["class 1x"] = run_embedded(many, 1, args.seconds, False)
    if pg:  # a process of its own on PostgreSQL: the simworkers share its database
        out = subprocess.run([sys.executable, __file__, "--workers-only", pg, "--labs", str(args.labs),
                              "--speed", str(args.speed)], capture_output=True, text=True, cwd=ROOT)
        if out.returncode:
            print(out.stderr[-3000:])
        else:
            results.update(json.loads(out.stdout.strip().splitlines()[-1]))
    if args.json:
        print(json.dumps(results, indent=1))
    ref, cls = results["ref"], results["class"]
    print(f"engine throughput: {args.labs} seed-article labs x 8 running VMs, every VM migrating at once "
          f"(built in {built:.0f} s); reference: one such lab; one viewer per lab on a VM's Summary (embedded)")
    print(f"{'figure':<44} {'class':>14} {'reference':>14} {'ratio':>7} {'target':>10}")
    line(f"lag at {args.speed:g}x, p50 (embedded)", cls["lag_p50_ms"], ref["lag_p50_ms"], "", True)
    line(f"lag at {args.speed:g}x, p99 (embedded)", cls["lag_p99_ms"], ref["lag_p99_ms"], "<100 ms",
         cls["lag_p99_ms"] < TARGET_LAG_MS)
    line(f"runner step at {args.speed:g}x, p99", cls["step_p99_ms"], ref["step_p99_ms"], "", True)
    line(f"CPU per active lab at {args.speed:g}x", cls["cpu_per_lab_pct"], ref["cpu_per_lab_pct"], "report", True,
         "%")
    line(f"CPU of the process at {args.speed:g}x", cls["cpu_pct"], ref["cpu_pct"], "report", True, "%")
    r1, c1 = results["ref 1x"], results["class 1x"]
    line("progress updates per running VMotion at 1x", c1["progress_per_s"], r1["progress_per_s"], ">=2 /s",
         c1["progress_per_s"] >= TARGET_PROGRESS_PER_S, "/s")
    line("lag at 1x, p50", c1["lag_p50_ms"], r1["lag_p50_ms"], "", True)
    line("lag at 1x, p99", c1["lag_p99_ms"], r1["lag_p99_ms"], "", True)
    line("CPU per active lab at 1x", c1["cpu_per_lab_pct"], r1["cpu_per_lab_pct"], "report", True, "%")
    for workers in (1, 2):
        w = results.get(f"{workers} simworker")
        if w is None:
            continue
        line(f"lag at {args.speed:g}x, p99, {workers} simworker(s) (PG)", w["lag_p99_ms"], ref["lag_p99_ms"],
             "<100 ms", w["lag_p99_ms"] < TARGET_LAG_MS)
        line(f"lag at {args.speed:g}x, p50, {workers} simworker(s) (PG)", w["lag_p50_ms"], ref["lag_p50_ms"], "",
             True)
        print(f"  {workers} simworker(s): labs held per worker {w['labs_per_worker']}, "
              f"{w['done']} of {w['tasks']} VMotions completed in {w['wall_s']:.1f} s, "
              f"CPU per lab {w['cpu_per_lab_pct']:.1f} %; RSS per worker idle "
              f"{', '.join(f'{m:.0f}' for m in w['rss_idle_mb'])} MB, after the class "
              f"{', '.join(f'{m:.0f}' for m in w['rss_mb'])} MB ({w['kb_per_lab']:.0f} KB per active lab)")
    print(f"VMotions: {cls['done']} of {cls['tasks']} completed, {cls['failed']} failed (the guests that dirty memory "
          f"faster than four VMotions sharing 1 GbE can copy: as vSphere does)")


def warm_up(ids: list[int]) -> None:
    """Templates compiled and URLs resolved once, as in a server that has served a page."""
    from operations.live.widgets import render_keys
    from inventory.models import VirtualMachine

    vm = VirtualMachine.objects.filter(lab_id=ids[0]).first()
    render_keys(ids[0], {"tasks", "fault-badge", "tree", f"head:{vm.moid}", f"vm:{vm.pk}"})


if __name__ == "__main__":
    main()
