"""Scale-out on the real servers: two daphne web processes and simworkers on PostgreSQL and
Redis. An operation started through web process A streams to clients of web process B; each lab
is simulated by one worker at a time, and a dead worker's lab is taken over.

Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (.ci/run starts both and CI must
run this test); elsewhere it skips with the reason."""

import asyncio
import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("SCALE_OUT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vcenterlab_scaleout")
REDIS = os.environ.get("SCALE_OUT_REDIS_URL", "redis://127.0.0.1:6379/3")
pytestmark = pytest.mark.scaleout


def reachable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def topology():
    if not (reachable(5432) and reachable(6379)):
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL (5432) and Redis (6379) must run in CI: .ci/run starts them")
        pytest.skip("needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379")
    from vcenter_web.management_db import ensure_database

    ensure_database(PG, drop=True)
    env = {**os.environ, "DATABASE_URL": PG, "REDIS_URL": REDIS, "SIM_RUNNER": "off", "SIM_LEASE_S": "2",
           "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "loaddemo"], cwd=ROOT, env=env, check=True, capture_output=True)
    processes = {}

    def start(name, *args):
        processes[name] = subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return processes[name]

    ports = []
    for name in ("web-a", "web-b"):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
        start(name, "serve", "--port", str(ports[-1]))
    start("worker-1", "simworker", "--tick", "0.1")
    deadline = time.monotonic() + 30
    while not all(reachable(p) for p in ports):  # waiting for processes to listen
        assert time.monotonic() < deadline, "the web processes did not start"
        time.sleep(0.05)
    yield {"a": f"127.0.0.1:{ports[0]}", "b": f"127.0.0.1:{ports[1]}", "start": start, "processes": processes}
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for name, process in processes.items():
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        print(f"--- {name}:", (process.stdout.read() or "")[-2000:])


def api(host: str, method: str, path: str, body=None, token=None, basic=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["vmware-api-session-id"] = token
    if basic:
        headers["Authorization"] = "Basic " + base64.b64encode(basic.encode()).decode()
    request = urllib.request.Request(f"http://{host}/api{path}", method=method, headers=headers,
                                     data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return json.loads(text) if text else None


def browser_cookie(host: str, user: str, password: str) -> str:
    """Log in through the login form, as a browser does; returns the Cookie header."""
    import http.cookiejar
    import urllib.parse

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"http://{host}/login/").read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    opener.open(urllib.request.Request(f"http://{host}/login/", data=urllib.parse.urlencode(
        {"username": user, "password": password, "csrfmiddlewaretoken": csrf}).encode(),
        headers={"Referer": f"http://{host}/login/"}))
    return "; ".join(f"{c.name}={c.value}" for c in jar)


async def collect(url: str, headers: dict, until, timeout: float = 60.0, widgets=None) -> list[str]:
    import websockets

    messages = []
    async with websockets.connect(url, additional_headers=headers) as socket_:
        if widgets is not None:  # a page socket: the page says which widgets it shows
            await socket_.send(json.dumps({"widgets": widgets}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                messages.append(await asyncio.wait_for(socket_.recv(), 1))
            except TimeoutError:
                pass
            if until(messages):
                return messages
    raise AssertionError(f"nothing conclusive in {len(messages)} messages: {[m[:200] for m in messages[-3:]]}")


def test_an_operation_started_on_web_a_streams_to_clients_of_web_b(topology):
    a, b = topology["a"], topology["b"]
    token = api(a, "POST", "/session", basic="student1:vsphere4lab")
    lab = next(x for x in api(a, "GET", "/labs", token=token) if x["owner"] == "student1")["lab"]
    vm = next(v for v in api(a, "GET", f"/labs/{lab}/vcenter/vm", token=token) if v["name"] == "W2K8-Web01")
    target = next(h["host"] for h in api(a, "GET", f"/labs/{lab}/vcenter/host", token=token) if h["host"] != vm["host"])
    cookie = browser_cookie(b, "student1", "vsphere4lab")

    async def scenario():
        page = asyncio.ensure_future(collect(
            f"ws://{b}/ws/labs/{lab}/live", {"Cookie": cookie, "Origin": f"http://{b}"},
            until=lambda ms: any("Migration of virtual machine W2K8-Web01" in m for m in ms),
            widgets=["tasks", "tree", "events", f"vm:{vm['vm'].split('-')[1]}"]))
        events = asyncio.ensure_future(collect(
            f"ws://{b}/ws/labs/{lab}/events?session={token}", {},
            until=lambda ms: any('"VmMigratedEvent"' in m for m in ms)))
        await asyncio.sleep(1.0)  # both sockets open on B
        api(a, "PATCH", f"/labs/{lab}/clock", {"speed": 20, "paused": False}, token=token)
        task = api(a, "POST", f"/labs/{lab}/vcenter/vm/{vm['vm']}?action=migrate", {"host": target}, token=token)
        return task, await page, await events

    task, page, events = asyncio.run(scenario())
    assert any("Pre-copy round" in m for m in page)  # progress reached web B's page socket
    final = next(m for m in page if "Migration of virtual machine W2K8-Web01" in m)
    assert 'id="tree-body"' in final and f'id="{vm["vm"]}-live"' in final
    seqs = [int(s) for m in page for s in re.findall(r'data-seq="(\d+)"', m)]
    assert seqs == sorted(seqs)
    migrated = [json.loads(m) for m in events if '"VmMigratedEvent"' in m][0]
    assert migrated["object"] == vm["vm"] and migrated["host"] == target
    assert api(b, "GET", f"/labs/{lab}/tasks/{task['task']}", token=token)["state"] == "SUCCEEDED"


def test_a_dead_workers_lab_is_taken_over_by_another_worker(topology):
    a = topology["a"]
    token = api(a, "POST", "/session", basic="student2:vsphere4lab")
    lab = next(x for x in api(a, "GET", "/labs", token=token) if x["owner"] == "student2")["lab"]
    vm = next(v for v in api(a, "GET", f"/labs/{lab}/vcenter/vm", token=token) if v["name"] == "RHEL5-DB01")
    target = next(h["host"] for h in api(a, "GET", f"/labs/{lab}/vcenter/host", token=token) if h["host"] != vm["host"])
    api(a, "PATCH", f"/labs/{lab}/clock", {"speed": 2, "paused": False}, token=token)
    task = api(a, "POST", f"/labs/{lab}/vcenter/vm/{vm['vm']}?action=migrate", {"host": target}, token=token)["task"]
    deadline = time.monotonic() + 30
    while api(a, "GET", f"/labs/{lab}/tasks/{task}", token=token)["state"] != "RUNNING":  # another process's work
        assert time.monotonic() < deadline
        time.sleep(0.1)
    topology["processes"]["worker-1"].send_signal(signal.SIGKILL)
    topology["start"]("worker-2", "simworker", "--tick", "0.1")
    api(a, "PATCH", f"/labs/{lab}/clock", {"speed": 100}, token=token)
    deadline = time.monotonic() + 60
    while (state := api(a, "GET", f"/labs/{lab}/tasks/{task}", token=token))["state"] not in ("SUCCEEDED", "FAILED"):
        assert time.monotonic() < deadline, state
        time.sleep(0.2)
    assert state["state"] == "SUCCEEDED", state["error"]
    assert api(a, "GET", f"/labs/{lab}/vcenter/vm/{vm['vm']}", token=token)["host"] == target
