"""Scale preset build time (issue 11, item 6): `createlab --preset scale` at the vCenter 4.1
maxima (1,000 hosts, 10,000 VMs, 32-host clusters), on SQLite and on PostgreSQL, against the
seed-article preset on the same database (ratio). Target: under 3 s on both.

    python bench/scale_preset.py [--runs 3] [--hosts 1000] [--vms 10000]

SQLite: a throwaway file. PostgreSQL: the local server's database vcenterlab_bench_preset
(BENCH_PRESET_POSTGRES_URL), dropped and made again; left out with the reason if there is none.
Each database runs in a process of its own (Django binds one database per process).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 3.0
PG = os.environ.get("BENCH_PRESET_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/vcenterlab_bench_preset")


def measure(url: str, runs: int, hosts: int, vms: int) -> dict:
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "vcenter_web.settings", "SIM_RUNNER": "off"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from inventory.presets import lab_create

    call_command("migrate", verbosity=0)
    owner = get_user_model().objects.create_user("bench-preset")
    scale, seed = [], []
    for n in range(runs):
        started = time.perf_counter()
        lab_create(owner=owner, preset="seed-article", name=f"Seed {n}", quota=False)
        seed.append(time.perf_counter() - started)
        started = time.perf_counter()
        lab_create(owner=owner, preset="scale", name=f"Scale {n}", hosts=hosts, vms=vms, quota=False)
        scale.append(time.perf_counter() - started)
    return {"scale": scale, "seed": seed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--vms", type=int, default=10000)
    parser.add_argument("--only", default="", help=argparse.SUPPRESS)  # a child: measure this database
    args = parser.parse_args()
    if args.only:
        print(json.dumps(measure(args.only, args.runs, args.hosts, args.vms)))
        return
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        databases = {"SQLite": f"sqlite:///{workdir}/bench.sqlite3"}
        try:
            sys.path.insert(0, str(ROOT))
            from vcenter_web.management_db import ensure_database

            ensure_database(PG, drop=True)
            databases["PostgreSQL"] = PG
        except Exception as error:
            print(f"(no PostgreSQL at {PG}: {error.__class__.__name__}; its figure is left out)")
        for name, url in databases.items():
            out = subprocess.run([sys.executable, __file__, "--only", url, "--runs", str(args.runs), "--hosts",
                                  str(args.hosts), "--vms", str(args.vms)], capture_output=True, text=True, cwd=ROOT)
            if out.returncode:
                print(f"{name}: failed\n{out.stderr[-2000:]}")
                continue
            results[name] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"scale preset build: {args.hosts} hosts, {args.vms} VMs; reference: the seed-article preset; "
          f"medians of {args.runs}")
    print(f"{'database':<12} {'scale':>8} {'seed':>8} {'ratio':>7} {'target':>8}   runs")
    for name, r in results.items():
        scale, seed = statistics.median(r["scale"]), statistics.median(r["seed"])
        print(f"{name:<12} {scale:>7.2f}s {seed:>7.3f}s {scale / seed:>6.0f}x {'<3s':>8}"
              f"{'' if scale < TARGET_S else ' MISSED'}   {', '.join(f'{s:.2f}' for s in r['scale'])}")


if __name__ == "__main__":
    main()
