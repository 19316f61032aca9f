"""Soak: a reliability run of the scale-out topology on the real PostgreSQL and Redis.

    python bench/soak.py [--duration 60] [--clients 30] [--viewers 100] [--labs 10] [--seed 1] [--write-doc]

It starts everything itself: a fresh PostgreSQL database (`soak_run`, or SOAK_DATABASE_URL),
migrated; students who own or share the labs (seed-article and classroom, created through the API
by their owners, clocks at 10x); two `manage.py serve` web processes with SIM_RUNNER=off and two
`manage.py simworker` processes, all on Redis (SOAK_REDIS_URL, REDIS_PREFIX=soak) with
SIM_LEASE_S=2 and DATABASE_POOL_MAX=16 (`--pool`). Then, for `--duration` seconds at once:

- API clients (threads), each logged in through POST /api/session and the login form with its own
  user, drive their lab: power operations, VMotions back and forth at high and low priority,
  cold migrations, Storage VMotion, reservations, new VMs (thick disks: the datastores fill up),
  deletes, renames (some to a name already taken), snapshots, cancels, and requests that must be
  refused (bad names, bad bodies, another user's lab, a bad token...). They spread over both web
  processes. Every answer is counted: 2xx/4xx/5xx, wins and refusals per operation kind.
- Live viewers (a subprocess of asyncio websockets), spread over the labs and both web processes:
  page sockets (/ws/labs/{lab}/live, the login form's session cookie and an Origin) that follow
  the `#live-seq` markers and the heartbeats as static/js/vcenter.js does, resyncing (a GET of the
  page) after a gap or a heartbeat ahead of them; JSON sockets (/ws/labs/{lab}/events?session=)
  that record every event's seq. A fifth of them reconnect once on the other web process.
- The crash loop: every 5-15 s (seeded) a random simworker is killed with SIGKILL and a new one
  started; a sampler watches the labs' leases to see each dead worker's labs taken over.

After the load the crash loop stops, the clocks go to 100x and the runners finish what is left
(with a deadline); then it checks and prints the figures and the invariants, and exits non-zero
when one fails: no 5xx nor broken connection; no task left queued or running, none accepted and
missing, every VM on the host and datastore its last completed migration gave it; every VM on
one existing host of its lab, no datastore below zero, no host's reservations above its capacity;
events gap-free 1..N in every lab and all published; every JSON viewer holds every seq of its lab
after its start, in order, once; every page viewer saw every batch in order or was told to
resync (by a gap or a heartbeat) and ends on the lab's last event; no request that must be
refused was accepted. `--write-doc` rewrites the figures in docs/reliability.md.

Needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379. Standard library, requests and
websockets (requirements.txt); the checks run the project's own models in a child process.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import datetime as dt
import html
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/soak_run")
REDIS = os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/11")
REDIS_PREFIX = os.environ.get("SOAK_REDIS_PREFIX", "soak")
PASSWORD = "soak-vsphere4lab"
LEASE_S = 2
HEARTBEAT_S = 5.0
DOC = ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- soak:figures (bench/soak.py --write-doc rewrites this part) -->", "<!-- /soak:figures -->"

SEQ = re.compile(r'id="live-seq" data-seq="(\d+)" data-prev="(\d+)"')
BEAT = re.compile(r'^<span id="live-beat" data-upto="(\d+)" data-every="([\d.]+)"')
REFUSAL = re.compile(r'<div class="errors" role="alert"><p>(.*?)</p>|<p class="field-error" role="alert">(.*?)</p>', re.S)


def normalize(message: str) -> str:
    """A refusal's message without its names and numbers, to count refusals by reason."""
    message = html.unescape(re.sub(r"<[^>]+>", "", message))
    message = re.sub(r"'[^']*'|\"[^\"]*\"", "'X'", message)
    message = re.sub(r"\b(vm|host|datastore|task|lab|domain-c|datacenter)-\d+\b", r"\1-N", message)
    message = re.sub(r"\b[\w.-]*\.lab\.local\b", "HOST", message)
    message = re.sub(r"\b(soak|seed)-[\w-]+", "VM", message)
    message = re.sub(r"\d[\d,.]*", "N", message)
    return re.split(r": | \(|\. ", message, maxsplit=1)[0].rstrip(".")[:80]  # its first clause


# --- processes ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reachable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


class Topology:
    """The web processes and the simworkers, with their logs in `logdir`."""

    def __init__(self, logdir: Path, webs: int, pool: int = 0):
        self.logdir = logdir
        self.env = {**os.environ, "DATABASE_URL": PG, "REDIS_URL": REDIS, "REDIS_PREFIX": REDIS_PREFIX,
                    "SIM_RUNNER": "off", "SIM_LEASE_S": str(LEASE_S), "LIVE_HEARTBEAT_S": str(HEARTBEAT_S),
                    "DATABASE_POOL_MAX": str(pool), "PYTHONUNBUFFERED": "1"}
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.webs: list[tuple[str, subprocess.Popen]] = []
        self.workers: dict[int, subprocess.Popen] = {}  # pid -> live worker
        self.dead: list[subprocess.Popen] = []
        self.started_workers = 0
        self.n_webs = webs

    def manage(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True, **kwargs)

    def _spawn(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.logdir / f"{name}.log", "w")
        return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, stdout=log,
                                stderr=subprocess.STDOUT)

    def start_web(self) -> None:
        for i in range(self.n_webs):
            port = free_port()
            self.webs.append((f"127.0.0.1:{port}", self._spawn(f"web-{chr(97 + i)}", "serve", "--port", str(port))))
        deadline = time.monotonic() + 60
        while not all(reachable(int(host.split(":")[1])) for host, _ in self.webs):
            if time.monotonic() > deadline or any(p.poll() is not None for _, p in self.webs):
                raise SystemExit(f"the web processes did not start: see {self.logdir}")
            time.sleep(0.1)

    def start_worker(self) -> int:
        self.started_workers += 1
        process = self._spawn(f"worker-{self.started_workers}", "simworker")
        self.workers[process.pid] = process
        return process.pid

    def kill_worker(self, pid: int) -> None:
        process = self.workers.pop(pid)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        self.dead.append(process)

    @property
    def hosts(self) -> list[str]:
        return [host for host, _ in self.webs]

    def stop(self) -> None:
        everyone = [p for _, p in self.webs] + list(self.workers.values())
        for process in everyone:
            if process.poll() is None:
                process.terminate()
        for process in everyone:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()

    def crashed(self) -> list[str]:
        """Processes of ours that ended by themselves (none should)."""
        out = [f"web {host} exited with {p.returncode}" for host, p in self.webs if p.poll() is not None]
        out += [f"simworker {pid} exited with {p.returncode}" for pid, p in self.workers.items() if p.poll() is not None]
        return out

    def log_findings(self) -> dict:
        """What the logs say: tracebacks, server errors, the hubs' re-binds, busy labs."""
        found = collections.Counter()
        samples: list[str] = []
        rebind_walls: list[float] = []
        for path in sorted(self.logdir.glob("*.log")):
            text = path.read_text(errors="replace")
            found["tracebacks"] += text.count("Traceback (most recent call last)")
            rebinds = re.findall(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+) WARNING operations.live.hub: live hub: lab \d+: "
                                 r".*binding its group again", text, re.M)
            found["hub re-binds"] += len(rebinds)
            rebind_walls += [dt.datetime.strptime(t, "%Y-%m-%d %H:%M:%S,%f").timestamp() for t in rebinds]
            found["runner busy-lab replays"] += text.count("the database was busy; replaying the lab")
            found["runner progress skipped (busy)"] += text.count("progress not written this step")
            found["runner step failures"] += text.count("runner step failed")
            found["internal server errors"] += len(re.findall(r"Internal Server Error", text))
            for match in re.finditer(r"Traceback \(most recent call last\):.*?\n(\S[^\n]*)", text, re.S):
                if len(samples) < 8:
                    samples.append(f"{path.name}: {match.group(1)[:200]}")
        return {"counts": dict(found), "samples": samples, "rebind_walls": rebind_walls}


# --- the project's models, in a child process ---------------------------------------------------

def django_child(task: str, payload: dict, env: dict) -> dict:
    """Run `task` of this script inside Django (role `django`), with `payload` on stdin."""
    result = subprocess.run([sys.executable, __file__, "--role", "django", "--task", task], cwd=ROOT, env=env,
                            input=json.dumps(payload), capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"django {task} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def django_role(task: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vcenter_web.settings")
    import django

    django.setup()
    payload = json.loads(sys.stdin.read() or "{}")
    out = {"users": django_users, "members": django_members, "check": django_check}[task](payload)
    print(json.dumps(out))


def django_users(payload: dict) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    User = get_user_model()
    encoded = make_password(payload["password"])  # one hash for all: each would take 0.3 s
    User.objects.bulk_create([User(username=name, password=encoded) for name in payload["users"]])
    return {"created": len(payload["users"])}


def django_members(payload: dict) -> dict:
    from django.contrib.auth import get_user_model

    from inventory.models import Lab

    users = {u.username: u for u in get_user_model().objects.all()}
    for moid, names in payload["members"].items():
        Lab.objects.get(pk=int(moid.removeprefix("lab-"))).members.add(*[users[n] for n in names])
    return {"ok": True}


def django_check(payload: dict) -> dict:
    """The invariants, read from the database after the run."""
    from collections import Counter, defaultdict

    from inventory.models import Datastore, Host, Lab, VirtualMachine
    from inventory.selectors import host_reserved, with_space
    from operations.models import Event, Task

    failures: list[str] = []
    lab_ids = [int(m.removeprefix("lab-")) for m in payload["labs"]]
    labs = list(Lab.objects.filter(pk__in=lab_ids).order_by("pk"))
    final_seq = {}
    inventory = Counter()
    for lab in labs:
        final_seq[lab.moid] = lab.event_seq
        seqs = list(Event.objects.filter(lab=lab).order_by("seq").values_list("seq", flat=True))
        if seqs != list(range(1, lab.event_seq + 1)):
            have = Counter(seqs)
            missing = sorted(set(range(1, lab.event_seq + 1)) - set(seqs))
            twice = sorted(s for s, n in have.items() if n > 1)
            failures.append(f"{lab.moid}: events are not 1..{lab.event_seq}: missing {missing[:10]}, twice {twice[:10]}")
        if lab.published_seq != lab.event_seq:
            failures.append(f"{lab.moid}: published up to {lab.published_seq} of {lab.event_seq} events")
        hosts = {h.pk: h for h in Host.objects.filter(lab=lab)}
        datastores = {d.pk: d for d in with_space(Datastore.objects.filter(lab=lab))}
        vms = list(VirtualMachine.objects.filter(lab=lab))
        inventory["VMs"] += len(vms)
        inventory["hosts"] += len(hosts)
        inventory["datastores"] += len(datastores)
        names = Counter(v.name.lower() for v in vms)
        failures += [f"{lab.moid}: two VMs named {n!r}" for n, c in names.items() if c > 1]
        for vm in vms:
            if vm.host_id not in hosts:
                failures.append(f"{lab.moid}: {vm.moid} ({vm.name}) is on host-{vm.host_id}, not a host of its lab")
            if vm.datastore_id not in datastores:
                failures.append(f"{lab.moid}: {vm.moid} ({vm.name}) is on datastore-{vm.datastore_id}, not of its lab")
        for d in datastores.values():
            if d.free_mb < 0:
                failures.append(f"{lab.moid}: datastore {d.name} is over-committed: {d.free_mb:,} MB free")
            inventory["datastore MB free (min)"] = min(inventory.get("datastore MB free (min)", 10**12), d.free_mb)
        for h in hosts.values():
            cpu, memory = host_reserved(h)
            if cpu > h.cpu_total_mhz or memory > h.memory_mb:
                failures.append(f"{lab.moid}: host {h.name} reserves {cpu} MHz / {memory} MB of "
                                f"{h.cpu_total_mhz} MHz / {h.memory_mb} MB")
        # every VM is where its last completed migration put it (a move is never half-done)
        moved = defaultdict(list)
        for t in Task.objects.filter(lab=lab, kind__in=("vm.vmotion", "vm.relocate"), state="success").order_by(
                "completed_at", "pk"):
            moved[t.params.get("vm")].append(t)
        for vm in vms:
            to_host = [t for t in moved.get(vm.pk, []) if t.params.get("host")]
            to_datastore = [t for t in moved.get(vm.pk, []) if t.params.get("datastore")]
            if to_host and to_host[-1].params["host"] != vm.host_id:
                failures.append(f"{lab.moid}: {vm.name} is on host-{vm.host_id}, but its last completed migration "
                                f"{to_host[-1].moid} took it to host-{to_host[-1].params['host']}")
            if to_datastore and to_datastore[-1].params["datastore"] != vm.datastore_id:
                failures.append(f"{lab.moid}: {vm.name} is on datastore-{vm.datastore_id}, but its last completed "
                                f"migration {to_datastore[-1].moid} took it to "
                                f"datastore-{to_datastore[-1].params['datastore']}")
    tasks = Task.objects.filter(lab_id__in=lab_ids)
    active = list(tasks.filter(state__in=("queued", "running")).values_list("pk", "name", "state"))
    failures += [f"task-{pk} ({name}) is still {state}" for pk, name, state in active]
    accepted = {int(k.removeprefix("task-")): v for k, v in payload["tasks"].items()}
    found = {t.pk: t for t in tasks.filter(pk__in=list(accepted))}
    missing = sorted(set(accepted) - set(found))
    failures += [f"task-{pk} was accepted (202) and is not in the database" for pk in missing[:20]]
    outcomes: dict[str, Counter] = defaultdict(Counter)
    for pk, kind in accepted.items():
        t = found.get(pk)
        if t is None:
            outcomes[kind]["missing"] += 1
        elif t.state == "success":
            outcomes[kind]["succeeded"] += 1
        elif t.state == "error":
            outcomes[kind]["failed: " + normalize(t.error_message)] += 1
        else:
            outcomes[kind][t.state] += 1
    timed = Counter(tasks.exclude(kind="").values_list("state", flat=True))
    return {"failures": failures, "final_seq": final_seq, "outcomes": {k: dict(v) for k, v in outcomes.items()},
            "timed_tasks": dict(timed), "tasks_active": len(active), "tasks_missing": len(missing),
            "events": sum(final_seq.values()), "inventory": dict(inventory)}


# --- HTTP ---------------------------------------------------------------------------------------

class Stats:
    """Every answer, by operation kind: status classes, wins, refusals by reason, latencies."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_kind: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.reasons: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.status = collections.Counter()
        self.latencies: list[float] = []
        self.kind_latencies: dict[str, list[float]] = collections.defaultdict(list)
        self.server_errors: list[str] = []
        self.broken: list[str] = []
        self.accepted_wrongly: list[str] = []
        self.tasks: dict[str, str] = {}  # task moid -> operation kind

    def answer(self, kind: str, status: int, seconds: float, win: bool, reason: str | None, must_refuse: bool,
               detail: str = "") -> None:
        with self.lock:
            self.status[f"{status // 100}xx"] += 1
            self.latencies.append(seconds)
            self.kind_latencies[kind].append(seconds)
            counts = self.by_kind[kind]
            counts["sent"] += 1
            if status >= 500:
                counts["5xx"] += 1
                self.server_errors.append(f"{kind}: {status} {detail[:300]}")
            elif win:
                counts["won"] += 1
                if must_refuse:
                    self.accepted_wrongly.append(f"{kind}: {status} {detail[:200]}")
            else:
                counts["refused"] += 1
                self.reasons[kind][reason or str(status)] += 1

    def failed(self, kind: str, error: str) -> None:
        with self.lock:
            self.status["no answer"] += 1
            self.by_kind[kind]["sent"] += 1
            self.by_kind[kind]["no answer"] += 1
            self.broken.append(f"{kind}: {error[:200]}")


class Client(threading.Thread):
    """One student at one browser and one script: drives its lab until `until`."""

    WEIGHTS = {"power": 3, "vmotion": 4, "storage-vmotion": 1.2, "reservations": 2, "new-vm": 1.5,
               "delete-vm": 1, "rename": 1, "snapshot": 1, "cancel": 0.6, "must-refuse": 1.2, "reads": 1}

    def __init__(self, n: int, user: str, lab: dict, stranger_vm: tuple[str, str], hosts: list[str], stats: Stats,
                 seed: int, think: float, owner: bool):
        super().__init__(name=f"client-{n}", daemon=True)
        import requests

        self.n, self.user, self.lab, self.stats, self.owner = n, user, lab, stats, owner
        self.stranger_lab, self.stranger_vm = stranger_vm
        self.web = hosts
        self.rng = random.Random(seed * 1009 + n)
        self.think = think
        self.http = requests.Session()
        self.token = ""
        self.csrf = ""
        self.until = 0.0
        self.made = 0
        self.wrong_password_done = False
        self.vms: list[dict] = []
        self.hosts: list[dict] = []
        self.datastores: list[dict] = []

    def base(self) -> str:
        return f"http://{self.rng.choice(self.web)}"

    # requests, counted
    def call(self, kind: str, method: str, path: str, body=None, *, must_refuse=False, token=None, raw=None,
             auth=None):
        headers = {"vmware-api-session-id": self.token if token is None else token}
        if auth:
            headers = {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()}
        if raw is not None:
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            r = self.http.request(method, f"{self.base()}/api{path}", json=body, data=raw, headers=headers,
                                  timeout=90)
        except Exception as error:  # a broken connection: the server died or hung
            self.stats.failed(kind, f"{method} {path}: {error!r}")
            return None
        seconds = time.perf_counter() - started
        reason = None
        if r.status_code >= 400:
            try:
                data = r.json()
                first = (data.get("messages") or [{}])[0]
                reason = f"{data.get('error_type')}: {normalize(first.get('default_message', '') if isinstance(first, dict) else str(first))}"
            except ValueError:
                reason = f"HTTP {r.status_code} (not JSON)"
        self.stats.answer(kind, r.status_code, seconds, r.status_code < 400, reason, must_refuse,
                          f"{method} {path}: {r.text[:300]}")
        return r

    def dialog(self, kind: str, moid: str, slug: str, data: dict, *, must_refuse=False):
        """A dialog's OK, as htmx posts it: 200 with HX-Redirect when done, 422 with the reason."""
        started = time.perf_counter()
        path = f"/labs/{self.lab['id']}/{moid}/actions/{slug}/"
        try:
            r = self.http.post(f"{self.base()}{path}", data=data, allow_redirects=False, timeout=90,
                               headers={"HX-Request": "true", "X-CSRFToken": self.http.cookies.get("csrftoken", "")})
        except Exception as error:
            self.stats.failed(kind, f"POST {path}: {error!r}")
            return None
        seconds = time.perf_counter() - started
        win = r.status_code < 400 and ("HX-Redirect" in r.headers or r.status_code == 302)
        reason = None
        if not win:
            found = REFUSAL.search(r.text)
            reason = f"dialog {r.status_code}: " + (normalize(found.group(1) or found.group(2)) if found
                                                     else "(no message)")
        self.stats.answer(kind, r.status_code, seconds, win, reason, must_refuse, f"POST {path}: {r.text[:300]}")
        return r

    def task(self, kind: str, r) -> None:
        if r is not None and r.status_code == 202:
            with self.stats.lock:
                self.stats.tasks[r.json()["task"]] = kind

    # logging in
    def log_in(self) -> None:
        r = self.call("log in (API)", "POST", "/session", auth=f"{self.user}:{PASSWORD}")
        if r is None or r.status_code != 201:
            raise SystemExit(f"{self.user} could not log in through the API: {r and r.text[:300]}")
        self.token = r.json()
        base = self.base()
        page = self.http.get(f"{base}/login/", timeout=60).text
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        started = time.perf_counter()
        r = self.http.post(f"{base}/login/", data={"username": self.user, "password": PASSWORD,
                                                   "csrfmiddlewaretoken": csrf},
                           headers={"Referer": f"{base}/login/"}, allow_redirects=False, timeout=60)
        self.stats.answer("log in (form)", r.status_code, time.perf_counter() - started, r.status_code == 302,
                          None, False, r.text[:200])
        if r.status_code != 302:
            raise SystemExit(f"{self.user} could not log in through the form: {r.status_code}")
        lab = self.lab["moid"]
        for attempt in range(5):
            hosts = self.call("read", "GET", f"/labs/{lab}/vcenter/host")
            datastores = self.call("read", "GET", f"/labs/{lab}/vcenter/datastore")
            if hosts is not None and datastores is not None and hosts.status_code == datastores.status_code == 200:
                self.hosts, self.datastores = hosts.json(), datastores.json()
                return
        raise SystemExit(f"{self.user} could not read its lab's hosts and datastores")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)

    # the load
    def run(self) -> None:
        kinds, weights = zip(*self.WEIGHTS.items())
        while time.monotonic() < self.until:
            r = self.call("read", "GET", f"/labs/{self.lab['moid']}/vcenter/vm")
            self.vms = r.json() if r is not None and r.status_code == 200 else self.vms
            if self.vms:
                op = self.rng.choices(kinds, weights)[0]
                try:
                    getattr(self, "op_" + op.replace("-", "_"))()
                except Exception as error:  # noqa: BLE001 - an answer this script did not expect
                    self.stats.failed(op, f"unexpected answer: {error!r}")
            time.sleep(self.think * self.rng.uniform(0.5, 1.5))

    def vm_path(self, vm: dict) -> str:
        return f"/labs/{self.lab['moid']}/vcenter/vm/{vm['vm']}"

    def fresh_name(self, prefix: str) -> str:
        self.made += 1
        return f"{prefix}-{self.n:02d}-{self.made}"

    def op_power(self):
        vm = self.rng.choice(self.vms)
        if vm["power_state"] == "POWERED_ON":
            action = self.rng.choice(["stop", "stop", "reset", "shutdown"])
        else:
            action = "start"
        kind = {"start": "power on", "stop": "power off", "reset": "reset", "shutdown": "shut down guest"}[action]
        self.task(kind, self.call(kind, "POST", f"{self.vm_path(vm)}/power?action={action}"))

    def op_vmotion(self):
        on = [v for v in self.vms if v["power_state"] == "POWERED_ON"]
        vm = self.rng.choice(on or self.vms)
        others = [h["host"] for h in self.hosts if h["host"] != vm["host"]]
        priority = self.rng.choice(["high", "low"])
        kind = f"VMotion ({priority})" if vm["power_state"] == "POWERED_ON" else "cold migration"
        self.task(kind, self.call(kind, "POST", f"{self.vm_path(vm)}?action=migrate",
                                  {"host": self.rng.choice(others), "priority": priority}))

    def op_storage_vmotion(self):
        vm = self.rng.choice(self.vms)
        targets = [d["datastore"] for d in self.datastores
                   if vm["host"] in d["hosts"] and d["datastore"] != vm["datastore"]]
        if not targets:
            return
        kind = "Storage VMotion" if vm["power_state"] == "POWERED_ON" else "cold relocation"
        self.task(kind, self.call(kind, "POST", f"{self.vm_path(vm)}?action=migrate",
                                  {"datastore": self.rng.choice(targets)}))

    def op_reservations(self):
        vm = self.rng.choice(self.vms)
        body = {"cpu_reservation_MHz": self.rng.choice([0, 0, 500, 1000, 2000, 2600 * vm["cpu_count"]]),
                "memory_reservation_MiB": self.rng.choice([0, vm["memory_size_MiB"] // 2, vm["memory_size_MiB"]])}
        self.call("edit reservations", "PATCH", self.vm_path(vm), body)

    def op_new_vm(self):
        host = self.rng.choice(self.hosts)
        shared = [d for d in self.datastores if host["host"] in d["hosts"]]
        if not shared:
            return
        memory = self.rng.choice([1024, 2048, 4096, 8192, 16384])
        body = {"name": self.fresh_name("soak"), "host": host["host"], "datastore": self.rng.choice(shared)["datastore"],
                "cpu_count": self.rng.choice([1, 2]), "memory_size_MiB": memory,
                "disk_size_MiB": self.rng.choice([10, 40, 80, 160]) * 1024,
                "disk_provisioning": self.rng.choice(["lazyZeroedThick", "eagerZeroedThick", "thin"])}
        r = self.call("new VM", "POST", f"/labs/{self.lab['moid']}/vcenter/vm", body)
        if r is not None and r.status_code == 201 and self.rng.random() < 0.5:
            self.call("edit reservations", "PATCH", f"/labs/{self.lab['moid']}/vcenter/vm/{r.json()['vm']}",
                      {"memory_reservation_MiB": memory})

    def op_delete_vm(self):
        mine = [v for v in self.vms if v["name"].startswith("soak-") and v["power_state"] != "POWERED_ON"]
        if not mine:
            return
        vm = self.rng.choice(mine)
        slug = self.rng.choice(["delete-from-disk", "delete-from-disk", "remove-from-inventory"])
        self.dialog("delete VM" if slug == "delete-from-disk" else "remove VM from inventory", vm["vm"], slug, {})

    def op_rename(self):
        vm = self.rng.choice(self.vms)
        if self.rng.random() < 0.25:  # to a name another VM has, in other letters' case: refused
            other = self.rng.choice(self.vms)
            if other["vm"] != vm["vm"]:
                self.dialog("rename to a taken name", vm["vm"], "rename", {"name": other["name"].upper()})
                return
        prefix = "soak" if vm["name"].startswith("soak-") else "seed"
        self.dialog("rename", vm["vm"], "rename", {"name": self.fresh_name(prefix)})

    def op_snapshot(self):
        vm = self.rng.choice(self.vms)
        if self.rng.random() < 0.2:
            self.dialog("delete all snapshots", vm["vm"], "delete-all-snapshots", {})
        else:
            self.dialog("take snapshot", vm["vm"], "take-snapshot", {"name": self.fresh_name("snap"), "description": ""})

    def op_cancel(self):
        r = self.call("read", "GET", f"/labs/{self.lab['moid']}/tasks?limit=20")
        if r is None or r.status_code != 200:
            return
        running = [t for t in r.json() if t["state"] in ("QUEUED", "RUNNING")]
        if running:
            t = self.rng.choice(running)
            self.call("cancel task", "POST", f"/labs/{self.lab['moid']}/tasks/{t['task']}?action=cancel")

    def op_reads(self):
        lab = self.lab["moid"]
        path = self.rng.choice([f"/labs/{lab}/tasks", f"/labs/{lab}/events?after=0&limit=200",
                                f"/labs/{lab}/vcenter/datastore", f"/labs/{lab}/clock",
                                f"/labs/{lab}/vcenter/vm?power_states=POWERED_ON"])
        self.call("read", "GET", path)

    def op_must_refuse(self):
        """Requests no state of the lab can make acceptable: any 2xx is a defect."""
        lab, vm = self.lab["moid"], self.rng.choice(self.vms)
        host = self.rng.choice(self.hosts)["host"]
        datastore = self.datastores[0]["datastore"]
        choices = [
            ("refuse: name with U+202E", lambda: self.call(
                "refuse: name with U+202E", "POST", f"/labs/{lab}/vcenter/vm",
                {"name": "invoice\u202etxt.exe", "host": host, "datastore": datastore}, must_refuse=True)),
            ("refuse: body not an object", lambda: self.call(
                "refuse: body not an object", "PATCH", self.vm_path(vm), raw="[null, null]", must_refuse=True)),
            ("refuse: 0 as a boolean", lambda: self.call(
                "refuse: 0 as a boolean", "PATCH", f"/labs/{lab}/clock", {"paused": 0}, must_refuse=True)),
            ("refuse: unknown priority", lambda: self.call(
                "refuse: unknown priority", "POST", f"{self.vm_path(vm)}?action=migrate",
                {"host": host, "priority": "urgent"}, must_refuse=True)),
            ("refuse: host of another lab", lambda: self.call(
                "refuse: host of another lab", "POST", f"{self.vm_path(vm)}?action=migrate",
                {"host": "host-999999"}, must_refuse=True)),
            ("refuse: another user's lab", lambda: self.call(
                "refuse: another user's lab", "POST",
                f"/labs/{self.stranger_lab}/vcenter/vm/{self.stranger_vm}/power?action=start", must_refuse=True)),
            ("refuse: bad token", lambda: self.call(
                "refuse: bad token", "POST", f"{self.vm_path(vm)}/power?action=start", token="0" * 40,
                must_refuse=True)),
            ("refuse: reservation out of range", lambda: self.call(
                "refuse: reservation out of range", "PATCH", self.vm_path(vm), {"cpu_reservation_MHz": 2_000_000},
                must_refuse=True)),
            ("refuse: thick disk larger than any datastore", lambda: self.call(
                "refuse: thick disk larger than any datastore", "POST", f"/labs/{lab}/vcenter/vm",
                {"name": self.fresh_name("soak"), "host": host, "datastore": datastore, "disk_size_MiB": 2 * 1024 * 1024 - 1,
                 "disk_provisioning": "eagerZeroedThick"}, must_refuse=True)),
            ("refuse: rename with a control character", lambda: self.dialog(
                "refuse: rename with a control character", vm["vm"], "rename", {"name": "soak\x07bell"},
                must_refuse=True)),
        ]
        if not self.owner:
            choices.append(("refuse: a member sets the clock", lambda: self.call(
                "refuse: a member sets the clock", "PATCH", f"/labs/{lab}/clock", {"speed": 50}, must_refuse=True)))
        if not self.wrong_password_done:  # once: five would lock this user out from this address
            choices.append(("refuse: wrong password", lambda: self.call(
                "refuse: wrong password", "POST", "/session", auth=f"{self.user}:not-the-password", must_refuse=True)))
        label, send = self.rng.choice(choices)
        if label == "refuse: wrong password":
            self.wrong_password_done = True
        send()


# --- live viewers (a child process) -------------------------------------------------------------

def viewers_role() -> None:
    """Reads its plan on stdin, prints "ready", waits for the final sequence numbers on stdin, then
    prints its results as JSON."""
    plan = json.loads(sys.stdin.readline())
    results = asyncio.run(run_viewers(plan))
    print(json.dumps(results), flush=True)


async def run_viewers(plan: dict) -> list[dict]:
    import requests

    loop = asyncio.get_running_loop()
    start = time.monotonic()
    final: dict[str, int] = {}
    done = asyncio.Event()
    states = [{"spec": spec, "kind": spec["kind"], "lab": spec["lab"], "web": spec["web"], "connects": 0,
               "errors": [], "messages": 0, "reordered": 0, "duplicated": 0, "resyncs": {"gap": 0, "beat": 0,
               "reconnect": 0}, "gaps": [], "opens": [], "failed_in_row": 0, "beats": 0, "batches": 0, "unexpected": 0} for spec in plan["viewers"]]
    http = requests.Session()

    def page_seq(web: str, lab_id: int, cookie: str) -> int:
        r = http.get(f"http://{web}/labs/{lab_id}/", headers={"Cookie": cookie, "HX-Request": "true",
                                                               "HX-Boosted": "true"}, timeout=60)
        r.raise_for_status()
        return int(re.search(r'id="live-seq" data-seq="(\d+)"', r.text).group(1))

    async def backoff(state) -> None:
        """htmx's ws extension after a failure: full jitter, up to 2^n s (n <= 6)."""
        state["failed_in_row"] += 1
        await asyncio.sleep(random.random() * 2 ** min(state["failed_in_row"], 6))

    def opened(state) -> None:
        state["failed_in_row"] = 0
        state["opens"].append(round(time.monotonic() - start, 1))

    def complete(state) -> bool:
        n = final.get(state["lab"])
        if n is None:
            return False
        if state["kind"] == "json":
            return set(range(state["after"] + 1, n + 1)) <= state["seen_set"]
        return state["held"] >= n

    async def page(state):
        import websockets

        spec = state["spec"]
        web = spec["web"]
        state["seen_set"] = set()
        while "initial" not in state:
            try:
                state["held"] = state["initial"] = await loop.run_in_executor(
                    None, page_seq, web, spec["lab_id"], spec["cookie"])
            except Exception as error:  # noqa: BLE001 - the page as a browser would load it again
                state["errors"].append([round(time.monotonic() - start, 1), repr(error)[:200]])
                await asyncio.sleep(1)
        last = None
        reconnect_at = spec.get("reconnect_at")
        while not (done.is_set() and complete(state)):
            state["connects"] += 1
            try:
                async with websockets.connect(f"ws://{web}/ws/labs/{spec['lab']}/live", max_size=None,
                                              additional_headers={"Cookie": spec["cookie"],
                                                                  "Origin": f"http://{web}"}) as ws:
                    opened(state)
                    await ws.send(json.dumps({"widgets": ["tasks", "tree", "events"]}))  # as the page says
                    if len(state["opens"]) > 1:  # a socket opened again: the page resyncs (vcenter.js)
                        state["resyncs"]["reconnect"] += 1
                        state["held"] = max(state["held"], await loop.run_in_executor(
                            None, page_seq, web, spec["lab_id"], spec["cookie"]))
                    while True:
                        if done.is_set() and complete(state):
                            return
                        if reconnect_at is not None and time.monotonic() - start > reconnect_at:
                            reconnect_at = None
                            web = spec["other_web"]
                            break
                        try:
                            text = await asyncio.wait_for(ws.recv(), 1.0)
                        except TimeoutError:
                            continue
                        state["messages"] += 1
                        beat = BEAT.match(text)
                        if beat:
                            state["beats"] += 1
                            if int(beat.group(1)) > state["held"]:
                                state["resyncs"]["beat"] += 1
                                state["held"] = max(state["held"], await loop.run_in_executor(
                                    None, page_seq, web, spec["lab_id"], spec["cookie"]))
                            continue
                        marker = SEQ.search(text[:200])
                        if not marker:
                            state["unexpected"] += 1
                            continue
                        seq, prev = int(marker.group(1)), int(marker.group(2))
                        state["batches"] += 1
                        if last is not None and seq < last:
                            state["reordered"] += 1
                        new = set(range(prev + 1, seq + 1))
                        state["duplicated"] += len(new & state["seen_set"])
                        state["seen_set"] |= new
                        last = seq if last is None else max(last, seq)
                        if prev > state["held"]:  # batches were missed: the page resyncs
                            state["resyncs"]["gap"] += 1
                            state["gaps"].append([time.monotonic(), state["held"], prev])
                            state["held"] = max(state["held"], await loop.run_in_executor(
                                None, page_seq, web, spec["lab_id"], spec["cookie"]))
                        state["held"] = max(state["held"], seq)
            except Exception as error:  # noqa: BLE001 - a closed socket: reconnect, as the page does
                state["errors"].append([round(time.monotonic() - start, 1), repr(error)[:200]])
                await backoff(state)

    async def events(state):
        import websockets

        spec = state["spec"]
        web = spec["web"]
        state["after"] = spec["after"]
        state["seen"] = []
        state["seen_set"] = set()
        reconnect_at = spec.get("reconnect_at")
        while not (done.is_set() and complete(state)):
            state["connects"] += 1
            after = max([state["after"], *state["seen_set"]]) if state["seen_set"] else state["after"]
            try:
                async with websockets.connect(
                        f"ws://{web}/ws/labs/{spec['lab']}/events?session={spec['token']}&after={after}",
                        max_size=None) as ws:
                    opened(state)
                    while True:
                        if done.is_set() and complete(state):
                            return
                        if reconnect_at is not None and time.monotonic() - start > reconnect_at:
                            reconnect_at = None
                            web = spec["other_web"]
                            break
                        try:
                            text = await asyncio.wait_for(ws.recv(), 1.0)
                        except TimeoutError:
                            continue
                        state["messages"] += 1
                        seq = json.loads(text)["seq"]
                        if seq in state["seen_set"]:
                            state["duplicated"] += 1
                        elif state["seen"] and seq < state["seen"][-1]:
                            state["reordered"] += 1
                        state["seen"].append(seq)
                        state["seen_set"].add(seq)
            except Exception as error:  # noqa: BLE001
                state["errors"].append([round(time.monotonic() - start, 1), repr(error)[:200]])
                await backoff(state)

    tasks = [asyncio.ensure_future(page(s) if s["kind"] == "page" else events(s)) for s in states]
    await asyncio.sleep(2.0)  # every socket open and bound through its hub
    print("ready", flush=True)
    line = await loop.run_in_executor(None, sys.stdin.readline)
    final.update(json.loads(line)["final_seq"])
    done.set()
    waited = time.monotonic()
    await asyncio.wait(tasks, timeout=plan["final_wait"])
    for t in tasks:
        t.cancel()
    out = []
    for s in states:
        n = final.get(s["lab"], 0)
        first = s.get("after", s.get("initial", 0))
        expected = set(range(first + 1, n + 1))
        missing = expected - s.get("seen_set", set())
        record = {k: s[k] for k in ("kind", "lab", "web", "connects", "messages", "reordered", "duplicated",
                                    "resyncs", "gaps", "beats", "batches", "unexpected")}
        record.update(first=first, final=n, missing=len(missing), errors=collections.Counter(
                          e.split("(")[0] for _, e in s["errors"]).most_common(3), error_samples=s["errors"][:5],
                      opens=s["opens"][:10], error_count=len(s["errors"]),
                      complete=complete(s), waited=round(time.monotonic() - waited, 1))
        if s["kind"] == "page":
            record.update(held=s.get("held", 0), resynced=sum(s["resyncs"].values()) > 0)
        out.append(record)
    return out


# --- leases: who holds which lab ----------------------------------------------------------------

class Sampler(threading.Thread):
    """Reads the labs' leases and active tasks every 0.2 s: the takeovers after each kill."""

    def __init__(self, lab_ids: list[int]):
        super().__init__(name="sampler", daemon=True)
        import psycopg

        self.conn = psycopg.connect(PG, autocommit=True)
        self.lab_ids = lab_ids
        self.stop = threading.Event()
        self.lock = threading.RLock()
        self.holder: dict[int, str | None] = {}
        self.active: dict[int, int] = {}
        self.changes: list[tuple[float, int, str | None, str | None]] = []  # (time, lab, from, to)
        self.history: dict[int, list[tuple[float, bool]]] = collections.defaultdict(list)  # lab -> (time, has work)
        self.leases: dict[int, tuple[str | None, float]] = {}
        self.renewals: list[float] = []  # seconds between two renewals of a lease by its holder: its steps
        self.long_steps: list[list] = []
        self.started = time.monotonic()

    def read(self) -> None:
        with self.lock:
            rows = self.conn.execute("SELECT id, runner_id, lease_until FROM inventory_lab WHERE id = ANY(%s)",
                                     (self.lab_ids,)).fetchall()
            active = dict(self.conn.execute(
                "SELECT lab_id, count(*) FROM operations_task WHERE state IN ('queued', 'running') AND kind <> '' "
                "AND lab_id = ANY(%s) GROUP BY lab_id", (self.lab_ids,)).fetchall())
            now = time.monotonic()
            for lab, runner, lease in rows:
                self.history[lab].append((now, bool(active.get(lab))))
                if lab in self.holder and self.holder[lab] != runner:
                    self.changes.append((now, lab, self.holder[lab], runner))
                last = self.leases.get(lab)
                # the holder stepped again, and the lab had timed tasks since its last renewal (only
                # a lab with work is renewed: an idle lab's lease lapses by design)
                if last and last[0] == runner and lease > last[1] and active.get(lab):
                    since = now - (time.time() - (last[1] - LEASE_S))  # that renewal, on this clock
                    samples = [work for at, work in self.history[lab] if at >= since]
                    if samples and all(samples) and self.history[lab][0][0] < since:
                        self.renewals.append(lease - last[1])
                        if lease - last[1] > 3:
                            self.long_steps.append([round(now - self.started, 1), lab, runner,
                                                    round(lease - last[1], 2)])
                self.leases[lab] = (runner, lease)
                self.holder[lab] = runner
            self.active = active

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.read()
            except Exception:  # noqa: BLE001 - the next read
                pass
            self.stop.wait(0.2)

    def query(self, sql: str, *args):
        with self.lock:
            return self.conn.execute(sql, args).fetchall()


def runner_pid(runner_id: str | None) -> int | None:
    try:
        return int(runner_id.split(":")[-2]) if runner_id else None
    except (ValueError, IndexError):
        return None


class CrashLoop(threading.Thread):
    """kill -9 a random simworker every 5-15 s (seeded) and start a new one."""

    def __init__(self, topology: Topology, sampler: Sampler, seed: int, every: tuple[float, float], until: float):
        super().__init__(name="crash-loop", daemon=True)
        self.topology, self.sampler = topology, sampler
        self.rng = random.Random(seed)
        self.every, self.until = every, until
        self.kills: list[dict] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while True:
            wait = self.rng.uniform(*self.every)
            if time.monotonic() + wait > self.until or self.stop.wait(wait):
                return
            pid = self.rng.choice(sorted(self.topology.workers))
            with self.sampler.lock:
                self.sampler.read()  # as it is now, not 0.2 s ago
                held = [lab for lab, runner in self.sampler.holder.items()
                        if runner_pid(runner) == pid and self.sampler.active.get(lab)]
            at = time.monotonic()
            self.topology.kill_worker(pid)
            new = self.topology.start_worker()
            self.kills.append({"at": at, "wall": time.time() - (time.monotonic() - at), "pid": pid,
                               "held_with_work": held, "new": new})

    def takeovers(self, changes, history) -> dict:
        """For each kill: when each lab the dead worker held with work went to another worker."""
        latencies, not_taken = [], []
        for kill in self.kills:
            for lab in kill["held_with_work"]:
                after = [t for t, l, old, new in changes if l == lab and t >= kill["at"] and runner_pid(new) != kill["pid"]
                         and new is not None]
                if after:
                    latencies.append(after[0] - kill["at"])
                else:
                    not_taken.append(f"lab-{lab} after the kill of {kill['pid']}")
        killed_at = {kill["pid"]: kill["at"] for kill in self.kills}

        def busy_throughout(lab, t):  # the lab had timed tasks at every sample of the lease before t
            samples = [work for at, work in history.get(lab, []) if t - LEASE_S <= at < t]
            return len(samples) >= 5 and all(samples)

        # a lab with work that left a worker still alive: that worker had not stepped for a whole
        # lease (a stalled process on a busy machine); an idle lab's lease lapses by design
        handovers = [(t, lab) for t, lab, old, new in changes
                     if old is not None and new is not None and t < killed_at.get(runner_pid(old), float("inf"))
                     and busy_throughout(lab, t)]
        return {"kills": len(self.kills), "takeovers": len(latencies), "not_taken": not_taken,
                "latency_s": sorted(round(x, 2) for x in latencies), "handovers_between_live_workers": len(handovers),
                "kill_times": sorted(killed_at.values()), "kill_walls": sorted(k["wall"] for k in self.kills)}


# --- the run ------------------------------------------------------------------------------------

def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    mem = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_mb": mem}


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--clients", type=int, default=30, help="API clients (default 30)")
    parser.add_argument("--viewers", type=int, default=100, help="live viewers, half page and half JSON (default 100)")
    parser.add_argument("--labs", type=int, default=10, help="labs (default 10), each with clients/labs users")
    parser.add_argument("--seed", type=int, default=1, help="seeds the operations, the viewers and the kills")
    parser.add_argument("--speed", type=float, default=10.0, help="the labs' clock speed during the load")
    parser.add_argument("--kill-every", type=float, nargs=2, default=(5.0, 15.0), metavar=("MIN", "MAX"))
    parser.add_argument("--workers", type=int, default=2, help="simworkers running at any time (default 2)")
    parser.add_argument("--think", type=float, default=0.3, help="mean pause of a client between operations (s)")
    parser.add_argument("--pool", type=int, default=16,
                        help="DATABASE_POOL_MAX of every process (default 16; 0: a connection per request)")
    parser.add_argument("--settle", type=float, default=180.0, help="deadline for the runners to finish (s)")
    parser.add_argument("--write-doc", action="store_true", help="write the figures into docs/reliability.md")
    parser.add_argument("--role", choices=["viewers", "django"], help=argparse.SUPPRESS)
    parser.add_argument("--task", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "viewers":
        viewers_role()
        return 0
    if args.role == "django":
        django_role(args.task)
        return 0
    return soak(args)


def soak(args) -> int:
    if not (reachable(5432) and reachable(6379)):
        print("the soak needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379", file=sys.stderr)
        return 2
    load_before = os.getloadavg()
    started_at = dt.datetime.now().astimezone()
    logdir = Path(tempfile.mkdtemp(prefix="soak-"))
    print(f"soak: seed {args.seed}, {args.duration:g} s, {args.clients} clients, {args.viewers} viewers, "
          f"{args.labs} labs, DATABASE_POOL_MAX={args.pool}; logs in {logdir}; load average {load_before[0]:.2f}",
          flush=True)
    topology = Topology(logdir, webs=2, pool=args.pool)
    sys.path.insert(0, str(ROOT))
    from vcenter_web.management_db import ensure_database

    ensure_database(PG, drop=True)
    topology.manage("migrate", "-v0")
    n_users = max(args.clients, args.labs)
    users = [f"soak{n:02d}" for n in range(1, n_users + 1)]
    django_child("users", {"users": users, "password": PASSWORD}, topology.env)
    sampler = viewers = None
    try:
        topology.start_web()
        for _ in range(args.workers):
            topology.start_worker()
        webs = topology.hosts
        stats = Stats()
        # labs: user i owns lab i (seed-article and classroom in turn), the others are members
        owners = [Client(i, users[i], {}, ("", ""), webs, stats, args.seed, args.think, True) for i in range(args.labs)]
        made = []

        def create(i):
            c = owners[i]
            r = c.call("log in (API)", "POST", "/session", auth=f"{c.user}:{PASSWORD}")
            c.token = r.json()
            preset = "seed-article" if i % 2 == 0 else "classroom"
            r = c.call("new lab", "POST", "/labs", {"preset": preset, "name": f"Soak {i + 1:02d}"})
            if r is None or r.status_code != 201:
                raise SystemExit(f"lab creation failed: {r and r.text}")
            made.append((i, r.json()["lab"]))

        threads = [threading.Thread(target=create, args=(i,)) for i in range(args.labs)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        if len(made) < args.labs:
            raise SystemExit(f"only {len(made)} of {args.labs} labs were created: {stats.server_errors[:3]}")
        labs = {i: {"moid": moid, "id": int(moid.removeprefix("lab-")), "users": [users[i]]} for i, moid in made}
        for n in range(args.labs, len(users)):
            labs[n % args.labs]["users"].append(users[n])
        django_child("members", {"members": {lab["moid"]: lab["users"][1:] for lab in labs.values()}}, topology.env)
        first_vm, start_seq = {}, {}
        for i, lab in labs.items():
            owner = owners[i]
            owner.call("clock", "PATCH", f"/labs/{lab['moid']}/clock", {"speed": args.speed, "paused": False})
            first_vm[i] = owner.call("read", "GET", f"/labs/{lab['moid']}/vcenter/vm").json()[0]["vm"]
            start_seq[lab["moid"]] = max([e["seq"] for e in owner.call(
                "read", "GET", f"/labs/{lab['moid']}/events?after=0&limit=5000").json()] or [0])
        # clients: client n is users[n], of lab n % labs
        clients = []
        for n in range(args.clients):
            i = n % args.labs
            stranger = (i + 1) % args.labs
            clients.append(Client(n, users[n], labs[i], (labs[stranger]["moid"], first_vm[stranger]), webs, stats,
                                  args.seed, args.think, owner=n < args.labs))
        login = [threading.Thread(target=c.log_in) for c in clients]
        [t.start() for t in login]
        [t.join() for t in login]
        if not all(c.token and c.hosts for c in clients):
            raise SystemExit("some clients could not log in: see above")
        # viewers: alternate page and JSON, round the labs and the web processes; a fifth reconnect once
        rng = random.Random(args.seed * 7919)
        plan = []
        for v in range(args.viewers):
            i = v % args.labs
            of_lab = [c for c in clients if c.lab is labs[i]]
            watcher = of_lab[(v // args.labs) % len(of_lab)]
            web = webs[(v // 2) % len(webs)]
            spec = {"kind": "page" if v % 2 == 0 else "json", "lab": labs[i]["moid"], "lab_id": labs[i]["id"],
                    "web": web, "other_web": webs[(webs.index(web) + 1) % len(webs)],
                    "cookie": watcher.cookie_header(), "token": watcher.token,
                    "after": 0 if (v // 2) % 2 == 0 else start_seq[labs[i]["moid"]],
                    "reconnect_at": rng.uniform(0.2, 0.9) * args.duration if rng.random() < 0.2 else None}
            plan.append(spec)
        viewers = subprocess.Popen([sys.executable, __file__, "--role", "viewers"], cwd=ROOT, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=open(logdir / "viewers.log", "w"), text=True)
        viewers.stdin.write(json.dumps({"viewers": plan, "final_wait": 6 * HEARTBEAT_S}) + "\n")
        viewers.stdin.flush()
        if viewers.stdout.readline().strip() != "ready":
            raise SystemExit(f"the viewers did not start: see {logdir / 'viewers.log'}")
        sampler = Sampler([lab["id"] for lab in labs.values()])
        sampler.start()

        # the load and the crash loop, together
        print(f"load: {len(clients)} clients and {len(plan)} viewers on {', '.join(webs)}", flush=True)
        t0 = time.monotonic()
        until = t0 + args.duration
        for c in clients:
            c.until = until
            c.start()
        crash = CrashLoop(topology, sampler, args.seed, tuple(args.kill_every), until)
        crash.start()
        for c in clients:
            c.join(args.duration + 120)
        crash.stop.set()
        crash.join()
        load_s = time.monotonic() - t0
        load_during = os.getloadavg()
        stuck_clients = [c.name for c in clients if c.is_alive()]
        print(f"load done in {load_s:.0f} s; {len(crash.kills)} kills; settling at 100x", flush=True)

        # let the runners finish: 100x, then wait (with a deadline) for no active task and all published
        for i, lab in labs.items():
            owners[i].call("clock", "PATCH", f"/labs/{lab['moid']}/clock", {"speed": 100})
        settle_start = time.monotonic()
        settled = False
        while time.monotonic() - settle_start < args.settle:
            active = sampler.query("SELECT count(*) FROM operations_task WHERE state IN ('queued', 'running') "
                                   "AND lab_id = ANY(%s)", [lab["id"] for lab in labs.values()])[0][0]
            unpublished = sampler.query("SELECT count(*) FROM inventory_lab WHERE id = ANY(%s) AND "
                                        "published_seq <> event_seq", [lab["id"] for lab in labs.values()])[0][0]
            if not active and not unpublished:
                settled = True
                break
            time.sleep(0.5)
        settle_s = time.monotonic() - settle_start
        sampler.stop.set()
        sampler.join()
        takeovers = crash.takeovers(sampler.changes, sampler.history)
        takeovers["longest_stall_s"] = round(max(sampler.renewals or [0]), 1)
        takeovers["long_steps"] = sampler.long_steps[:40]
        takeovers["kills_at"] = [[round(k["at"] - sampler.started, 1), k["pid"]] for k in crash.kills]

        check = django_child("check", {"labs": [lab["moid"] for lab in labs.values()], "tasks": stats.tasks},
                             topology.env)
        viewers.stdin.write(json.dumps({"final_seq": check["final_seq"]}) + "\n")
        viewers.stdin.flush()
        viewer_results = json.loads(viewers.stdout.readline())
        viewers.wait(30)
        crashed = topology.crashed()
    finally:
        if viewers is not None and viewers.poll() is None:
            viewers.kill()
        topology.stop()
    logs = topology.log_findings()
    load_after = os.getloadavg()

    report = summarize(args, stats, check, viewer_results, takeovers, logs, crashed, stuck_clients,
                       settled=settled, settle_s=settle_s, load_s=load_s,
                       load=(load_before[0], load_during[0], load_after[0]), started_at=started_at, logdir=logdir)
    (logdir / "viewers.json").write_text(json.dumps(viewer_results, indent=1))
    (logdir / "report.json").write_text(json.dumps(report, indent=1))
    print_report(report)
    if args.write_doc:
        write_doc(report)
        print(f"figures written to {DOC.relative_to(ROOT)}")
    return 1 if report["failures"] else 0


def sockets(viewers: list[dict]) -> dict:
    """How the sockets fared: handshakes refused or timed out, and when each viewer's first one opened
    (seconds after the viewers started; the load starts about 2 s later)."""
    first = [v["opens"][0] for v in viewers if v["opens"]]
    return {"failed connects": sum(v["error_count"] for v in viewers),
            "first open s (p50/max)": [round(percentile(first, 50), 1), round(max(first or [0]), 1)],
            "never opened": sum(1 for v in viewers if not v["opens"])}


def summarize(args, stats: Stats, check: dict, viewers: list[dict], takeovers: dict, logs: dict, crashed: list[str],
              stuck: list[str], **extra) -> dict:
    failures = list(check["failures"])
    failures += [f"5xx: {e}" for e in stats.server_errors[:20]]
    failures += [f"no answer: {e}" for e in stats.broken[:20]]
    failures += [f"accepted, must be refused: {e}" for e in stats.accepted_wrongly[:20]]
    failures += [f"a process ended by itself: {c}" for c in crashed]
    failures += [f"client still running after the load: {c}" for c in stuck]
    failures += [f"not taken over: {x}" for x in takeovers["not_taken"]]
    if not extra["settled"]:
        failures.append(f"the runners had not finished after {args.settle:g} s")
    page = [v for v in viewers if v["kind"] == "page"]
    js = [v for v in viewers if v["kind"] == "json"]
    for v in viewers:
        if v["reordered"] or v["duplicated"]:
            failures.append(f"{v['kind']} viewer of {v['lab']} on {v['web']}: {v['reordered']} reordered, "
                            f"{v['duplicated']} duplicated")
        if v["kind"] == "json" and v["missing"]:
            failures.append(f"JSON viewer of {v['lab']} on {v['web']}: {v['missing']} of events "
                            f"{v['first'] + 1}..{v['final']} never arrived ({v['errors']})")
        if v["kind"] == "page" and v["held"] < v["final"]:
            failures.append(f"page viewer of {v['lab']} on {v['web']}: ended on event {v['held']} of {v['final']}, "
                            f"never told to resync ({v['errors']})")
    kills = takeovers["kill_times"]
    gaps = [g for v in page for g in v["gaps"]]
    near_kill = sum(1 for g in gaps if any(k - 0.5 <= g[0] <= k + 3 * LEASE_S + 2 for k in kills))
    # a batch claimed (published_seq) by a worker killed before it sent it never comes: the hubs
    # notice at their next heartbeats (5-10 s) and re-bind; other re-binds mean a batch lost otherwise
    walls = takeovers["kill_walls"]
    rebinds = logs["rebind_walls"]
    after_kill = sum(1 for t in rebinds if any(0 <= t - k <= 2 * HEARTBEAT_S + 3 for k in walls))
    kinds = {}
    for kind, counts in sorted(stats.by_kind.items()):
        lat = stats.kind_latencies[kind]
        kinds[kind] = {**counts, "reasons": dict(stats.reasons[kind].most_common(4)),
                       "ms": [round(percentile(lat, 50) * 1000), round(max(lat or [0]) * 1000)],
                       "tasks": check["outcomes"].get(kind, {})}
    return {
        "date": extra["started_at"].strftime("%Y-%m-%d %H:%M %Z"), "machine": machine(),
        "load": [round(x, 2) for x in extra["load"]], "args": {
            "duration": args.duration, "clients": args.clients, "viewers": args.viewers, "labs": args.labs,
            "seed": args.seed, "speed": args.speed, "kill_every": list(args.kill_every), "workers": args.workers,
            "pool": args.pool},
        "requests": sum(stats.status.values()), "status": dict(stats.status),
        "latency_ms": {"p50": round(percentile(stats.latencies, 50) * 1000), "p99": round(
            percentile(stats.latencies, 99) * 1000), "max": round(max(stats.latencies or [0]) * 1000)},
        "kinds": kinds, "tasks_accepted": len(stats.tasks), "timed_tasks": check["timed_tasks"],
        "tasks_lost": check["tasks_active"] + check["tasks_missing"], "events": check["events"],
        "inventory": check["inventory"], "takeovers": takeovers, "logs": logs,
        "rebinds (within 13 s of a kill / other)": [after_kill, len(rebinds) - after_kill], "settle_s": round(extra["settle_s"], 1),
        "load_s": round(extra["load_s"], 1),
        "viewers": {
            "page": {"n": len(page), "batches": sum(v["batches"] for v in page), "beats": sum(v["beats"] for v in page),
                     "events missed in the stream": sum(v["missing"] for v in page),
                     "told to resync": sum(1 for v in page if v["resynced"]),
                     "gaps (within seconds of a kill / other)": [near_kill, len(gaps) - near_kill],
                     "resyncs (gap / heartbeat / reconnect)": [sum(v["resyncs"][k] for v in page)
                                                               for k in ("gap", "beat", "reconnect")],
                     "stale at the end": sum(1 for v in page if v["held"] < v["final"]),
                     "reordered": sum(v["reordered"] for v in page), "duplicated": sum(v["duplicated"] for v in page),
                     "reconnects": sum(v["connects"] - 1 for v in page), **sockets(page)},
            "json": {"n": len(js), "events received": sum(v["messages"] for v in js),
                     "events lost": sum(v["missing"] for v in js), "reordered": sum(v["reordered"] for v in js),
                     "duplicated": sum(v["duplicated"] for v in js), "reconnects": sum(v["connects"] - 1 for v in js),
                     **sockets(js)},
        },
        "viewer_errors": dict(sum((collections.Counter(dict(v["errors"])) for v in viewers), collections.Counter())),
        "logdir": str(extra["logdir"]), "failures": failures,
    }


def print_report(r: dict) -> None:
    m = r["machine"]
    print(f"\n=== soak {r['date']}: {m['nproc']} x {m['cpu']}, {m['memory_mb']:,} MB; load average before/during/"
          f"after {r['load'][0]} / {r['load'][1]} / {r['load'][2]}")
    print(f"requests {r['requests']:,}: {r['status']}; latency p50 {r['latency_ms']['p50']} ms, p99 "
          f"{r['latency_ms']['p99']} ms, max {r['latency_ms']['max']} ms")
    print(f"{'operation':<46} {'sent':>6} {'won':>6} {'refused':>7} {'5xx':>4} {'ms p50/max':>12}  tasks / reasons")
    for kind, c in r["kinds"].items():
        tasks = ", ".join(f"{k} {v}" for k, v in sorted(c["tasks"].items(), key=lambda kv: -kv[1])[:3])
        reasons = "; ".join(f"{k} ({v})" for k, v in c["reasons"].items())
        ms = f"{c['ms'][0]}/{c['ms'][1]}"
        print(f"{kind:<46} {c.get('sent', 0):>6} {c.get('won', 0):>6} {c.get('refused', 0):>7} {c.get('5xx', 0):>4} {ms:>12}  "
              f"{tasks}{' | ' if tasks and reasons else ''}{reasons[:160]}")
    t = r["takeovers"]
    print(f"timed tasks accepted {r['tasks_accepted']}, in the database {r['timed_tasks']}; lost {r['tasks_lost']}; "
          f"settled in {r['settle_s']} s")
    print(f"events {r['events']:,}; inventory {r['inventory']}")
    print(f"kills {t['kills']}, takeovers {t['takeovers']} (s after the kill: {t['latency_s']}); labs with work "
          f"handed over by a live worker (it stalled a whole lease): {t['handovers_between_live_workers']}; longest "
          f"time a lab with timed tasks waited for its worker's next step: {t['longest_stall_s']} s")
    print(f"page viewers: {r['viewers']['page']}")
    print(f"JSON viewers: {r['viewers']['json']}")
    print(f"viewer connection errors: {r['viewer_errors']}; hub re-binds within 13 s of a kill / other: "
          f"{r['rebinds (within 13 s of a kill / other)']}")
    print(f"logs: {r['logs']['counts']}")
    for sample in r["logs"]["samples"]:
        print(f"  {sample}")
    if r["failures"]:
        print(f"\nFAILED: {len(r['failures'])} invariant(s)")
        for failure in r["failures"][:40]:
            print(f"  - {failure}")
    else:
        print("\nOK: every invariant holds")


def write_doc(r: dict) -> None:
    m, t, p, j = r["machine"], r["takeovers"], r["viewers"]["page"], r["viewers"]["json"]
    status = r["status"]
    lines = [
        BEGIN, "",
        f"Last run: **{r['date']}**, {'every invariant held' if not r['failures'] else 'FAILED: ' + str(len(r['failures'])) + ' invariant(s)'}"
        f" (`make soak`: seed {r['args']['seed']}, {r['args']['duration']:g} s, {r['args']['clients']} clients, "
        f"{r['args']['viewers']} viewers, {r['args']['labs']} labs at {r['args']['speed']:g}x, "
        f"{r['args']['workers']} simworkers, a kill every {r['args']['kill_every'][0]:g}-{r['args']['kill_every'][1]:g} s, "
        f"DATABASE_POOL_MAX={r['args']['pool']}).",
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['memory_mb']:,} MB; load average before / at the end of the "
        f"load / after: {r['load'][0]} / {r['load'][1]} / {r['load'][2]} (other work shared the machine).", "",
        "| figure | value |", "|---|---|",
        f"| requests | {r['requests']:,} (2xx {status.get('2xx', 0):,}, 3xx {status.get('3xx', 0):,}, "
        f"4xx {status.get('4xx', 0):,}, **5xx {status.get('5xx', 0)}**, no answer {status.get('no answer', 0)}) |",
        f"| latency | p50 {r['latency_ms']['p50']} ms, p99 {r['latency_ms']['p99']} ms, max {r['latency_ms']['max']} ms |",
        f"| timed tasks | {r['tasks_accepted']} accepted; in the database at the end: "
        f"{', '.join(f'{k} {v}' for k, v in sorted(r['timed_tasks'].items()))}; **lost {r['tasks_lost']}**; "
        f"the runners finished {r['settle_s']} s after the load |",
        f"| events | {r['events']:,}, gap-free 1..N in every lab, all published |" if not any(
            "events are not" in f or "published up to" in f for f in r["failures"]) else
        f"| events | {r['events']:,}: NOT gap-free or not all published (see the failures) |",
        f"| simworkers killed | {t['kills']}; labs with work taken over {t['takeovers']}, "
        f"{percentile(t['latency_s'], 50):g} s median and {max(t['latency_s'] or [0]):g} s at most after the kill "
        f"(lease {LEASE_S} s); labs with work handed over by a live worker (it stalled a whole lease) "
        f"{t['handovers_between_live_workers']}; the longest wait of a lab with timed tasks for its worker's next step "
        f"that the sampler saw (steps are 0.25 s apart when the worker keeps up): {t['longest_stall_s']:g} s |",
        f"| page viewers | {p['n']}: {p['batches']:,} batches and {p['beats']:,} heartbeats; "
        f"**{p['stale at the end']} stale at the end**; {p['reordered']} reordered, {p['duplicated']} duplicated; "
        f"{p['events missed in the stream']:,} events missed in the stream, each followed by a resync "
        f"({p['told to resync']} viewers told; resyncs by gap / heartbeat / reconnect: "
        f"{' / '.join(str(x) for x in p['resyncs (gap / heartbeat / reconnect)'])}) |",
        f"| JSON viewers | {j['n']}: {j['events received']:,} events; **{j['events lost']} lost**, {j['reordered']} "
        f"reordered, {j['duplicated']} duplicated |",
        f"| sockets | first open {p['first open s (p50/max)'][0]:g} s median, {p['first open s (p50/max)'][1]:g} s at "
        f"most (page), {j['first open s (p50/max)'][0]:g} / {j['first open s (p50/max)'][1]:g} s (JSON), after the "
        f"viewers started; handshakes failed {p['failed connects'] + j['failed connects']}; never opened "
        f"{p['never opened'] + j['never opened']}; reconnects {p['reconnects'] + j['reconnects']} |",
        f"| server logs | {', '.join(f'{k} {v}' for k, v in r['logs']['counts'].items())}; the hubs' re-binds "
        f"within 13 s of a kill / other: {' / '.join(map(str, r['rebinds (within 13 s of a kill / other)']))} |", "",
        "| operation | sent | won | refused | its tasks: succeeded / failed | most frequent refusal; task failure |",
        "|---|--:|--:|--:|--:|---|",
    ]
    for kind, c in r["kinds"].items():
        tasks = c["tasks"]
        failed = {k.removeprefix("failed: "): v for k, v in tasks.items() if k.startswith("failed")}
        outcome = f"{tasks.get('succeeded', 0)} / {sum(failed.values())}" if tasks else ""
        why = [f"{k} ({v})" for k, v in list(c["reasons"].items())[:1]]
        why += [f"task: {k} ({v})" for k, v in sorted(failed.items(), key=lambda kv: -kv[1])[:1]]
        detail = "; ".join(why).replace("|", "\\|")
        lines.append(f"| {kind} | {c.get('sent', 0)} | {c.get('won', 0)} | {c.get('refused', 0)} | {outcome} | "
                     f"{detail} |")
    if r["failures"]:
        lines += ["", "Failures:", ""] + [f"- {f}" for f in r["failures"][:30]]
    lines += ["", END]
    text = DOC.read_text() if DOC.exists() else f"# Reliability\n\n{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    DOC.write_text(head + "\n".join(lines) + tail)


if __name__ == "__main__":
    sys.exit(main())
