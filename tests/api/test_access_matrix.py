"""Every operation in the OpenAPI schema that names a lab: anonymous callers are
UNAUTHENTICATED, a stranger gets nothing and changes nothing, whatever the method."""

import re

import pytest

from operations.models import Event, Task

FILLERS = {"vm": "vm-1", "host": "host-1", "cluster": "domain-c1", "datacenter": "datacenter-1",
           "datastore": "datastore-1", "network": "network-1", "nic": "vmk0", "task": "task-1"}


def lab_operations(client):
    schema = client.get("/api/openapi.json").json()
    for path, methods in schema["paths"].items():
        if "{lab}" not in path:
            continue
        for method, operation in methods.items():
            query = {p["name"]: p.get("schema", {}).get("pattern", "").strip("^$").split("|")[0]
                     for p in operation.get("parameters", []) if p["in"] == "query" and p.get("required")}
            yield method, path.removeprefix("/api"), query


def fill(path: str, lab) -> str:
    path = path.replace("{lab}", lab.moid)
    return re.sub(r"\{(\w+)\}", lambda m: FILLERS[m.group(1)], path)


def test_every_lab_operation_refuses_anonymous_and_strangers(client, api, lab, stranger):
    operations = list(lab_operations(client))
    assert len(operations) >= 30
    before = (Event.objects.count(), Task.objects.count())
    intruder = api.as_(stranger)
    for method, path, query in operations:
        url = fill(path, lab)
        anonymous = getattr(client, method)(f"/api{url}", content_type="application/json", QUERY_STRING="&".join(
            f"{k}={v}" for k, v in query.items()))
        assert anonymous.status_code == 401, (method, path)
        if method == "get":
            response = intruder.get(url, **query)
        elif method == "post":
            response = intruder.post(url, {}, **query)
        else:
            response = getattr(intruder, method)(url, {}) if method == "patch" else intruder.delete(url)
        assert response.status_code in (400, 404), (method, path, response.status_code)
        if method == "get":
            assert response.json()["error_type"] == "NOT_FOUND", path
    assert (Event.objects.count(), Task.objects.count()) == before


@pytest.mark.parametrize("who", ["member", "instructor"])
def test_members_and_instructors_may_act_but_only_instructors_drive_the_clock(api, lab, request, who, xp01):
    user = request.getfixturevalue(who)
    assert api.as_(user).post(f"/labs/{lab.moid}/vcenter/vm/{xp01.moid}/power", action="start").status_code == 202
    clock = api.as_(user).patch(f"/labs/{lab.moid}/clock", {"speed": 5})
    assert clock.status_code == (200 if who == "instructor" else 403)
