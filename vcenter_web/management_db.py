"""`python -m vcenter_web.management_db URL`: create the PostgreSQL database of URL if it is
missing (make scale-out, and the scale-out test). Connects to the server's `postgres` database."""

import sys
from urllib.parse import urlparse

import psycopg


def ensure_database(url: str, drop: bool = False) -> None:
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if drop:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    ensure_database(sys.argv[1], drop="--drop" in sys.argv)
