"""Every operation in the OpenAPI schema that names a lab, each with a VALID request (REQUESTS,
keyed by operationId: a new operation without an entry fails the test): anonymous callers are
UNAUTHENTICATED; a stranger sending that request gets NOT_FOUND and changes nothing; the owner
sending the very same request next is served. So the access check, not input validation, is what
refuses the stranger."""

import re

import pytest

from inventory import services
from inventory.models import Datacenter, Datastore, Host, Network
from operations.models import Event, Fault, Input, Scenario, Task
from operations.services.migrate import vm_migrate
from tests.conftest import vm_named

# operationId -> (path parameters, query, body, statuses the owner gets). Parameters name objects
# of the context built below; the operations run in the schema's order, on one lab, the owner's
# requests changing it as they go (the runner is stepped after those in RUN_AFTER).
OK = (200, 201, 202, 204)
REQUESTS = {
    "task_list": ({}, {}, None, OK),
    "task_get": ({"task": "queued_task"}, {}, None, OK),
    "task_action": ({"task": "queued_task"}, {"action": "cancel"}, None, OK),
    "event_list": ({}, {"after": 0, "limit": 10}, None, OK),
    "clock_get": ({}, {}, None, OK),
    "clock_patch": ({}, {}, {"speed": 5}, OK),
    "clock_action": ({}, {"action": "advance"}, {"seconds": 10}, OK),
    # a harmless failure (no operation below needs esx01's FT logging network), then its restore
    "fault_create": ({}, {}, {"type": "ft-logging-network", "host": "@esx01"}, OK),
    "fault_list": ({}, {}, None, OK),
    "fault_delete": ({"fault": "active_fault"}, {}, None, OK),
    "input_get": ({"input": "last_input"}, {}, None, OK),
    # a scenario whose only line checks the lab (docs/scenarios.md), then reading it
    "scenario_create": ({}, {}, {"text": "at 00:00 expect host esx01.lab.local connection connected",
                                 "name": "matrix"}, OK),
    "scenario_list": ({}, {}, None, OK),
    "scenario_get": ({"scenario": "last_scenario"}, {}, None, OK),
    "datacenter_list": ({}, {}, None, OK),
    "datacenter_create": ({}, {}, {"name": "DC-matrix"}, OK),
    "datacenter_get": ({"datacenter": "datacenter"}, {}, None, OK),
    "cluster_list": ({}, {}, None, OK),
    "cluster_create": ({}, {}, {"name": "Cluster-matrix", "datacenter": "@datacenter"}, OK),
    "cluster_get": ({"cluster": "cluster"}, {}, None, OK),
    "cluster_patch": ({"cluster": "cluster"}, {}, {"drs_enabled": True}, OK),
    "cluster_add_host": ({"cluster": "cluster"}, {}, {"host": "@esx02"}, OK),
    "host_list": ({}, {}, None, OK),
    "host_create": ({}, {}, {"name": "esx09.lab.local", "datacenter": "@datacenter", "profile": "r805-2435-32"}, OK),
    "host_get": ({"host": "esx01"}, {}, None, OK),
    "vmkernel_list": ({"host": "esx01"}, {}, None, OK),
    "vmkernel_patch": ({"host": "esx01", "nic": "vmk1"}, {}, {"vmotion": True}, OK),
    "host_fault": ({"host": "esx09"}, {"action": "disconnect-management-network"}, None, OK),  # the host added above
    "host_action": ({"host": "esx09"}, {"action": "disconnect"}, None, OK),
    "datastore_list": ({}, {"names": "iscsi-vmfs01"}, None, OK),
    "datastore_get": ({"datastore": "datastore"}, {}, None, OK),
    "network_list": ({}, {}, None, OK),
    "network_get": ({"network": "network"}, {}, None, OK),
    "vm_list": ({}, {"power_states": "POWERED_ON", "limit": 10}, None, OK),
    "vm_create": ({}, {}, {"name": "VM-matrix", "host": "@esx02", "datastore": "@datastore", "memory_size_MiB": 512,
                           "disk_size_MiB": 1024}, OK),
    "vm_get": ({"vm": "web01"}, {}, None, OK),
    "vm_patch": ({"vm": "web01"}, {}, {"workload": "database"}, OK),
    "vm_action": ({"vm": "xp01"}, {"action": "migrate"}, {"host": "@esx01", "priority": "low"}, OK),
    "vm_power_action": ({"vm": "xp01"}, {"action": "start"}, None, OK),
    # the owner is let in and told Fault Tolerance is not simulated yet: UNSUPPORTED, not NOT_FOUND
    "vm_fault_tolerance": ({"vm": "web01"}, {"action": "turn-on"}, None, (400,)),
    "vm_fault": ({"vm": "web01"}, {"action": "guest-hang"}, None, OK),
}

RUN_AFTER = {"task_action", "vm_action", "vm_power_action", "fault_create", "fault_delete", "scenario_create"}


def lab_operations(client):
    schema = client.get("/api/openapi.json").json()
    for path, methods in schema["paths"].items():
        if "{lab}" in path:
            for method, operation in methods.items():
                yield operation["operationId"].removeprefix("api_api_"), method, path.removeprefix("/api")


@pytest.fixture
def context(lab, owner, esx01, esx02, web01, xp01):
    """The objects REQUESTS names, and a queued task to read and cancel."""
    datacenter = Datacenter.objects.get(lab=lab)
    return {
        "lab": lab, "esx01": esx01, "esx02": esx02, "web01": web01, "xp01": xp01, "datacenter": datacenter,
        "datastore": Datastore.objects.get(lab=lab, name="iscsi-vmfs01"),
        "network": Network.objects.get(lab=lab, name="VM Network"),
        "cluster": services.cluster_create(datacenter=datacenter, name="Cluster", user=owner),
        "queued_task": vm_migrate(vm=vm_named(lab, "RHEL5-DB01"), host=esx02, datastore=None, priority="low",
                                  user=owner),
    }


LATEST = {  # objects an earlier operation made: the fault it simulated, the input it wrote
    "active_fault": lambda lab: Fault.objects.filter(lab=lab, ended_sim__isnull=True).last(),
    "last_input": lambda lab: Input.objects.filter(lab=lab).last(),
    "last_scenario": lambda lab: Scenario.objects.filter(lab=lab).last(),
}


def moid(context, key: str) -> str:
    """An object of the context, one an earlier operation made, or a host it added (esx09)."""
    if key in LATEST:
        return LATEST[key](context["lab"]).moid
    if key not in context:
        context[key] = Host.objects.get(lab=context["lab"], name=f"{key}.lab.local")
    return context[key].moid


def request_for(operation_id, path, context):
    params, query, body, expected = REQUESTS[operation_id]
    ids = {"lab": context["lab"].moid, "nic": params.get("nic")}
    ids.update({name: moid(context, key) for name, key in params.items() if name != "nic"})
    url = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)
    if body is not None:
        body = {k: moid(context, v[1:]) if isinstance(v, str) and v.startswith("@") else v for k, v in body.items()}
    return url, query, body, expected


def send(api, method, url, query, body):
    if method == "get":
        return api.get(url, **query)
    if method == "post":
        return api.post(url, body, **query)
    if method == "patch":
        return api.patch(url, body)
    return api.delete(url)


def test_every_lab_operation_has_a_valid_request_in_the_table(client, owner):
    operations = {operation_id for operation_id, _, _ in lab_operations(client)}
    missing = sorted(operations - set(REQUESTS))
    assert not missing, f"add a valid request to REQUESTS for: {missing}"
    assert not set(REQUESTS) - operations, "REQUESTS names operations the API no longer has"
    assert len(operations) >= 30


def test_strangers_get_not_found_where_the_owner_is_served(client, api, owner, stranger, context, sim):
    intruder, the_owner = api.as_(stranger), api.as_(owner)
    for operation_id, method, path in lab_operations(client):
        url, query, body, expected = request_for(operation_id, path, context)
        anonymous = getattr(client, method)(f"/api{url}" + ("?" + "&".join(f"{k}={v}" for k, v in query.items())
                                                           if query else ""), body or {}, content_type="application/json")
        assert anonymous.status_code == 401, (operation_id, anonymous.status_code)
        before = (Event.objects.count(), Task.objects.count())
        refused = send(intruder, method, url, query, body)
        assert refused.status_code == 404 and refused.json()["error_type"] == "NOT_FOUND", (operation_id, refused.content)
        assert (Event.objects.count(), Task.objects.count()) == before, operation_id
        served = send(the_owner, method, url, query, body)
        assert served.status_code in expected, (operation_id, served.status_code, served.content)
        if operation_id in RUN_AFTER:
            sim.run(120)  # what the owner started or cancelled runs to its end before the next operation


@pytest.mark.parametrize("who", ["member", "instructor"])
def test_members_and_instructors_may_act_but_only_instructors_drive_the_clock(api, lab, request, who, xp01):
    user = request.getfixturevalue(who)
    assert api.as_(user).post(f"/labs/{lab.moid}/vcenter/vm/{xp01.moid}/power", action="start").status_code == 202
    clock = api.as_(user).patch(f"/labs/{lab.moid}/clock", {"speed": 5})
    assert clock.status_code == (200 if who == "instructor" else 403)
