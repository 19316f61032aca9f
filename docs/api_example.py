#!/usr/bin/env python3
"""The seed article's VMotion through the vCenter Lab API, with the Python standard library only.

    python docs/api_example.py --url http://127.0.0.1:8000 --user student1 --password vsphere4lab

It logs in (POST /api/session), finds the caller's seed-article lab, migrates the running web
server VM to the other host with high priority, follows the task's phases until it ends, and
prints where the VM runs now. The clock runs at 10x meanwhile, so it takes a few seconds; the
lab's clock speed (and pause) is put back as it was when the script ends, even on Ctrl+C.
"""

import argparse
import base64
import json
import sys
import time
from datetime import datetime
import urllib.error
import urllib.request


class Api:
    def __init__(self, url: str, user: str, password: str):
        self.url = url.rstrip("/") + "/api"
        self.token = None
        basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.token = self.call("POST", "/session", headers={"Authorization": f"Basic {basic}"})

    def call(self, method: str, path: str, body=None, headers=None):
        request = urllib.request.Request(self.url + path, method=method, headers={
            "Content-Type": "application/json", **({"vmware-api-session-id": self.token} if self.token else {}),
            **(headers or {})}, data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                text = response.read()
                return json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            problem = json.loads(error.read() or b"{}")
            messages = "; ".join(m["default_message"] for m in problem.get("messages", []))
            sys.exit(f"{method} {path}: {error.code} {problem.get('error_type')}: {messages}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="student1")
    parser.add_argument("--password", default="vsphere4lab")
    parser.add_argument("--vm", default="W2K8-Web01")
    args = parser.parse_args()

    api = Api(args.url, args.user, args.password)
    lab = next(x for x in api.call("GET", "/labs") if x["preset"] == "seed-article" and x["owner"] == args.user)
    base = f"/labs/{lab['lab']}"
    vm = next(v for v in api.call("GET", f"{base}/vcenter/vm") if v["name"] == args.vm)
    hosts = {h["host"]: h["name"] for h in api.call("GET", f"{base}/vcenter/host")}
    target = next(h for h in hosts if h != vm["host"])
    print(f"{vm['name']} runs on {hosts[vm['host']]}; migrating it to {hosts[target]} (VMotion, high priority)")

    clock = api.call("GET", f"{base}/clock")
    api.call("PATCH", f"{base}/clock", {"speed": 10, "paused": False})
    try:
        state = _follow(api, base, vm, target)
    finally:  # the lab's clock as the instructor had it
        api.call("PATCH", f"{base}/clock", {"speed": clock["speed"], "paused": clock["paused"]})
    if state["state"] == "FAILED":
        sys.exit(f"The migration failed: {state['error']}")
    seconds = (_parse(state["end_time"]) - _parse(state["start_time"]))
    vm = api.call("GET", f"{base}/vcenter/vm/{vm['vm']}")
    print(f"Completed in {seconds:.0f} simulated seconds: {vm['name']} now runs on {hosts[vm['host']]}, "
          f"guest {vm['guest_state'].lower()}, up {vm['guest_uptime_s']} s (it did not reboot)")
    api.call("DELETE", "/session")


def _follow(api: Api, base: str, vm: dict, target: str) -> dict:
    """Starts the migration and prints each new phase until the task ends; returns its last state."""
    task = api.call("POST", f"{base}/vcenter/vm/{vm['vm']}?action=migrate", {"host": target, "priority": "high"})["task"]
    last = None
    while True:
        state = api.call("GET", f"{base}/tasks/{task}")
        line = f"{state['state']:<9} {state['progress']:>3}%  {state['phase']}"
        if line != last:
            print(line)
            last = line
        if state["state"] in ("SUCCEEDED", "FAILED"):
            break
        time.sleep(0.2)
    return state


def _parse(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


if __name__ == "__main__":
    main()
