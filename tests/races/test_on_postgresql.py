"""`make test` runs on SQLite, whose one write lock serializes every writer; the row locks, the lock
order and the deadlock retries only meet their real test on PostgreSQL. So a session on SQLite runs
this directory again on PostgreSQL, in a child pytest on a database of its own (RACES_DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/vcenterlab_races; pytest-django uses test_<name>).

Needs PostgreSQL on 127.0.0.1:5432: elsewhere it skips with the reason, but fails when CI is set."""

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
URL = os.environ.get("RACES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vcenterlab_races")


def _reachable(url: str) -> bool:
    parts = urlparse(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=0.5).close()
        return True
    except OSError:
        return False


def test_the_races_pass_on_postgresql():
    if connection.vendor == "postgresql":
        pytest.skip("this session runs on PostgreSQL: the races ran here directly")
    if not _reachable(URL):
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must run in CI ({URL}): .ci/run starts it")
        pytest.skip(f"needs PostgreSQL at {URL} (RACES_DATABASE_URL)")
    env = {**os.environ, "DATABASE_URL": URL}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    child = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--create-db", "tests/races",
         "--ignore=tests/races/test_on_postgresql.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    report = (child.stdout + child.stderr)[-6000:]
    assert child.returncode == 0, report
    assert " skipped" not in report.splitlines()[-1], report  # on PostgreSQL nothing may skip
    print(report.splitlines()[-1])
