"""Live batch benchmark: one inventory event (a VM powered on) in the scale lab (1,000 hosts,
10,000 VMs by default), as the lab's runner publishes it: the time and queries to render its
widgets, and the bytes each page socket receives, by the page it shows. The same event in the seed
article's lab is the reference (ratio). Targets (issue 11): under 50 KB per socket, under 50 ms.

    python bench/live_batch.py [--hosts 1000] [--vms 10000] [--runs 3]

It builds a throwaway SQLite database (about 10 s for the maxima) and needs nothing else.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KB = 1024
TARGET_BYTES, TARGET_MS = 50 * KB, 50.0


def setup(workdir: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vcenter_web.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def pages_of(lab, vm) -> dict[str, list[str]]:
    """The widget keys of the pages a class has open, as each page declares them (data-widget)."""
    host = vm.host
    frame = ["tasks", "fault-badge", "tree"]
    return {
        "VM Summary": frame + [f"head:{vm.moid}", f"vm:{vm.pk}"],
        "host Summary": frame + [f"head:{host.moid}", f"host:{host.pk}", f"usage:{host.moid}"],
        "cluster Summary": frame + ([f"head:domain-c{host.cluster_id}", f"cluster:{host.cluster_id}",
                                     f"usage:domain-c{host.cluster_id}"] if host.cluster_id else []),
        "datacenter Summary": frame + [f"datacenter:{host.datacenter_id}"],
        "vCenter Summary": frame + ["root"],
        "vCenter Tasks & Events": frame + ["events"],
        "vCenter Maps": frame + ["map"],
    }


def one_power_on(lab, owner, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inventory.models import Lab, VirtualMachine
    from operations.live.fragments import compose
    from operations.live.publisher import collect
    from operations.runner.runner import Runner
    from operations.services.power import vm_power

    Lab.objects.filter(pk=lab.pk).update(clock_paused=True)
    runner = Runner()
    runner.step()  # the lab's creation goes out first
    vm = VirtualMachine.objects.filter(lab=lab).order_by("pk").last()
    VirtualMachine.objects.filter(pk=vm.pk).update(power_state="poweredOff")
    vm_power(vm=vm, action="power-on", user=owner)
    Lab.objects.filter(pk=lab.pk).update(sim_seconds=lab.sim_seconds + 60)
    prev = Lab.objects.get(pk=lab.pk).published_seq
    runner.step()  # the power-on commits; its batch is rendered and claimed
    seq = Lab.objects.get(pk=lab.pk).published_seq
    from operations.live import publisher, widgets

    times, queries, message, by_widget, rendering = [], 0, None, {}, []
    render_batch = publisher.render_batch

    def timed_render(*args):  # the rendering alone, without the events' JSON and the claim (a write)
        started = time.perf_counter()
        try:
            return render_batch(*args)
        finally:
            rendering.append((time.perf_counter() - started) * 1000)

    publisher.render_batch = timed_render
    for _ in range(runs):  # render the same batch again, as published
        Lab.objects.filter(pk=lab.pk).update(published_seq=prev)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            batches = collect({lab.pk}, {})
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
        message = batches[0][1]
        for name, ms in widgets.timings.items():
            by_widget.setdefault(name, []).append(ms)
    publisher.render_batch = render_batch
    Lab.objects.filter(pk=lab.pk).update(published_seq=seq)
    vm.refresh_from_db()
    from operations.live.widgets import render_keys, wanted_keys

    sizes, lazy_ms, lazy_queries = {}, {}, {}
    for page, keys in pages_of(lab, vm).items():  # what a web process adds for a socket of this page
        wanted = wanted_keys(keys, message["lazy"])
        spent = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                fragments, stale = render_keys(lab.pk, wanted) if wanted else ({}, [])
                spent.append((time.perf_counter() - started) * 1000)
        lazy_ms[page], lazy_queries[page] = statistics.median(spent), len(captured)
        full = {**message, "widgets": {**message["widgets"], **fragments}, "stale": [*message["stale"], *stale]}
        sizes[page] = sum(len(f.encode()) for f in compose(full, frozenset(keys)))
    every = sum(len(f.encode()) for f in compose(message, None))
    return {"render_ms": statistics.median(rendering), "lazy_ms": lazy_ms, "lazy_queries": lazy_queries, "ms": statistics.median(times), "by_widget": {k: statistics.median(v) for k, v in by_widget.items()}, "queries": queries, "sizes": sizes, "every": every,
            "resync": [page for page, keys in pages_of(lab, vm).items()
                       if 'data-resync="1"' in compose(message, frozenset(keys))[0]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--vms", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        setup(workdir)
        from django.contrib.auth.models import User

        from inventory.presets import lab_create

        owner = User.objects.create_user("bench")
        seed = one_power_on(lab_create(owner=owner, preset="seed-article", name="Seed", quota=False), owner, args.runs)
        started = time.perf_counter()
        scale_lab = lab_create(owner=owner, preset="scale", name="Scale", hosts=args.hosts, vms=args.vms, quota=False)
        built = time.perf_counter() - started
        scale = one_power_on(scale_lab, owner, args.runs)
    print(f"live batch of one power-on: scale lab {args.hosts} hosts / {args.vms} VMs (built in {built:.1f} s), "
          f"reference: the seed article's lab; medians of {args.runs} renders")
    print(f"{'page socket':<24} {'scale':>9} {'seed':>9} {'ratio':>6} {'target':>8}   "
          f"rendered for it: publisher's widgets + its web process's (scale), target <{TARGET_MS:.0f}ms")
    for page, size in scale["sizes"].items():
        ratio = size / max(seed["sizes"][page], 1)
        flag = " resync" if page in scale["resync"] else ""
        total = scale["render_ms"] + scale["lazy_ms"][page]
        print(f"{page:<24} {size / KB:>7.1f}KB {seed['sizes'][page] / KB:>7.1f}KB {ratio:>5.1f}x "
              f"{'<' + str(TARGET_BYTES // KB) + 'KB':>8}{'' if size < TARGET_BYTES else ' MISSED'}   "
              f"{scale['render_ms']:.1f} + {scale['lazy_ms'][page]:.1f} = {total:.1f}ms "
              f"({scale['queries']} + {scale['lazy_queries'][page]} queries){'' if total < TARGET_MS else ' MISSED'}{flag}")
    worst = max(scale["sizes"].values())
    print(f"{'largest per socket':<24} {worst / KB:>7.1f}KB {max(seed['sizes'].values()) / KB:>7.1f}KB "
          f"{worst / max(max(seed['sizes'].values()), 1):>5.1f}x {'<50KB':>8}{'' if worst < TARGET_BYTES else ' MISSED'}")
    print(f"{'every widget rendered':<24} {scale['every'] / KB:>7.1f}KB {seed['every'] / KB:>7.1f}KB "
          f"{scale['every'] / max(seed['every'], 1):>5.1f}x (the batch on the channel layer, no socket gets it all)")
    print(f"{'publisher: widgets only':<24} {scale['render_ms']:>7.1f}ms {seed['render_ms']:>7.1f}ms "
          f"{scale['render_ms'] / max(seed['render_ms'], 0.01):>5.1f}x (the rest: events as JSON, the claim: a write)")
    print(f"{'publisher: whole batch':<24} {scale['ms']:>7.1f}ms {seed['ms']:>7.1f}ms {scale['ms'] / max(seed['ms'], 0.01):>5.1f}x "
          f"{'<50ms':>8}{'' if scale['ms'] < TARGET_MS else ' MISSED'}")
    print("render time by widget (scale lab, ms): " + ", ".join(
        f"{name} {ms:.1f}" for name, ms in sorted(scale["by_widget"].items(), key=lambda kv: -kv[1])))
    print(f"{'queries':<24} {scale['queries']:>9} {seed['queries']:>9} "
          f"{scale['queries'] / max(seed['queries'], 1):>5.1f}x")


if __name__ == "__main__":
    main()
