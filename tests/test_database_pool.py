"""DATABASE_POOL_MAX: on PostgreSQL each process borrows connections from a pool (psycopg_pool)
instead of opening one per request and per websocket lookup (docs/reliability.md: without it,
sockets timed out in their handshake under the soak's load). Off by default; SQLite ignores it.

Needs PostgreSQL on 127.0.0.1:5432 (CI starts it): skips elsewhere, fails in CI without it."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("POOL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")  # a query, no tables
SHOW = ("from django.db import connection; connection.ensure_connection();"
        "print(connection.settings_dict.get('OPTIONS', {}).get('pool'), connection.pool is not None,"
        "connection.cursor().execute('SELECT 1').fetchone()[0])")


def run(**env) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_POOL_MAX")}
    environment.update(env)
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", SHOW], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture
def postgres():
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=0.5).close()
    except OSError:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL (5432) must run in CI: .ci/run starts it")
        pytest.skip("needs PostgreSQL on 127.0.0.1:5432")


def test_a_process_borrows_its_connections_from_a_pool_when_asked(postgres):
    assert run(DATABASE_URL=PG, DATABASE_POOL_MAX="4") == "{'min_size': 1, 'max_size': 4, 'timeout': 30} True 1"


def test_without_it_each_connection_is_its_own(postgres):
    assert run(DATABASE_URL=PG) == "None False 1"
