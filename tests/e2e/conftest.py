"""Real browsers: Playwright driving Debian's Chromium against the live test server."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import shared_database_url

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

# Playwright's sync API runs an event loop in the test's thread; the ORM calls the tests make
# between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_addoption(parser):
    parser.addoption("--screenshot-out", default="", help="where test_screenshot writes the README picture")
    parser.addoption("--screenshot-dir", default="", help="where test_scale_pages writes its pictures")


@pytest.fixture(scope="package")  # Playwright's loop must be gone before the async tests that follow
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium so browser tests run in CI")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def server(transactional_db):
    """The product as `make run` serves it: `manage.py serve` (daphne, websockets, the embedded
    runner) in a process of its own, on the test database. Yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": shared_database_url(), "SIM_RUNNER": "embedded", "PYTHONUNBUFFERED": "1",
           "LIVE_HEARTBEAT_S": "1"}  # heartbeats every second: the recovery tests do not wait long
    process = subprocess.Popen([sys.executable, "manage.py", "serve", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # A server that cannot start exits (poll() sees it at once); a slow one only takes longer: on a
    # 2-core machine running other suites, Django + daphne took over 30 s to listen once.
    deadline = time.monotonic() + 120
    while True:  # waiting for another process to listen, not for simulated time
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start: {process.stdout.read() if process.poll() is not None else ''}")
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    print("serve said:", process.stdout.read()[-4000:])  # shown when the test failed


@pytest.fixture
def login(server, page):
    def login_as(username: str, password: str, on=None):
        on = on or page
        on.goto(f"{server}/login/")
        on.fill("#id_username", username)
        on.fill("#id_password", password)
        on.click("button[type=submit]")
        on.wait_for_url(f"{server}/")
        return on
    return login_as
