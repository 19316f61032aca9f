"""Pages at the maxima (issue 11, item 5): the server time and query count of every page and tab
of a 1,000-host, 10,000-VM scale lab, against the target (200 ms, 25 queries) and against the same
page of the seed-article lab measured in the same run (the reference).

    python bench/pages.py [--hosts 1000] [--vms 10000] [--runs 3]

It builds a throwaway SQLite database, the two labs, and requests each page in-process through
Django's test client (the whole middleware and template stack; no network), median of `--runs`.
The pages are those tests/test_page_queries.py holds flat in inventory size.
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
sys.path.insert(0, str(ROOT))
TARGET_MS, TARGET_QUERIES = 200, 25


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--vms", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    db = Path(tempfile.mkdtemp(prefix="bench-pages-")) / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vcenter_web.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from inventory.presets import lab_create
    from tests.test_page_queries import page_urls

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="bench-password-1")
    started = time.monotonic()
    seed = lab_create(owner=user, preset="seed-article", name="Seed", quota=False)
    scale = lab_create(owner=user, preset="scale", name="Scale", hosts=args.hosts, vms=args.vms, quota=False)
    print(f"labs built in {time.monotonic() - started:.1f} s ({args.hosts} hosts, {args.vms} VMs; SQLite {db})")
    client = Client()
    client.force_login(user)

    def measure(method, url, data, extra=None):
        times, queries, size = [], 0, 0
        for _ in range(args.runs + 1):  # the first is a warm-up
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                response = getattr(client, method)(url, data, **(extra or {}))
                times.append((time.perf_counter() - t) * 1000)
            queries, size = len(ctx.captured_queries), len(response.content)
        return statistics.median(times[1:]), queries, size

    reference = page_urls(seed)
    print(f"{'page':28} {'ms':>8} {'queries':>8} {'KB':>8}   {'seed ms':>8} {'ratio':>6}   target {TARGET_MS} ms, "
          f"{TARGET_QUERIES} queries")
    misses = 0
    for name, request in page_urls(scale).items():
        ms, queries, size = measure(*request)
        ref_ms = measure(*reference[name])[0] if name in reference else float("nan")
        ok = ms < TARGET_MS and queries < TARGET_QUERIES
        misses += not ok
        print(f"{name:28} {ms:8.1f} {queries:8d} {size / 1024:8.0f}   {ref_ms:8.1f} {ms / ref_ms:6.1f}   "
              f"{'ok' if ok else 'MISS'}")
    print(f"{misses} page(s) miss the target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
