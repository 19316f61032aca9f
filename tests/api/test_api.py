"""The JSON API: every endpoint, its access rules and its refusals, in vSphere REST's words."""

import base64

import pytest
from django.test import Client

from inventory.models import Cluster, Host, Lab, VirtualMachine
from inventory.presets import lab_create
from operations.models import Event, Input, Task
from tests.conftest import PASSWORD


def errors_of(response):
    data = response.json()
    return data["error_type"], [m["default_message"] for m in data["messages"]]


def vc(lab, path=""):
    return f"/labs/{lab.moid}/vcenter{path}"


# --- sessions -----------------------------------------------------------------------------

def test_a_session_token_comes_from_http_basic_and_ends_with_delete(client, owner, api):
    credentials = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    token = client.post("/api/session", HTTP_AUTHORIZATION=f"Basic {credentials}").json()
    assert isinstance(token, str) and len(token) >= 32
    assert client.get("/api/labs", HTTP_VMWARE_API_SESSION_ID=token).status_code == 200
    assert client.delete("/api/session", HTTP_VMWARE_API_SESSION_ID=token).status_code == 204
    response = client.get("/api/labs", HTTP_VMWARE_API_SESSION_ID=token)
    assert response.status_code == 401 and errors_of(response)[0] == "UNAUTHENTICATED"


def test_wrong_credentials_and_anonymous_calls_are_unauthenticated_not_redirected(client, owner, lab):
    bad = base64.b64encode(b"alice:wrong").decode()
    assert client.post("/api/session", HTTP_AUTHORIZATION=f"Basic {bad}").status_code == 401
    for path in ("/api/labs", f"/api/labs/{lab.moid}/vcenter/vm", f"/api/labs/{lab.moid}/tasks"):
        response = client.get(path)
        assert response.status_code == 401 and errors_of(response)[0] == "UNAUTHENTICATED", path
    assert client.get("/api/labs", HTTP_VMWARE_API_SESSION_ID="forged").status_code == 401


def test_a_logged_in_browser_session_works_with_its_csrf_token(owner, lab, xp01):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert browser.get("/api/labs").status_code == 200
    url = f"/api/labs/{lab.moid}/vcenter/vm/{xp01.moid}/power?action=start"
    assert browser.post(url).status_code == 403  # no CSRF token: refused
    browser.get("/")  # sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    assert browser.post(url, HTTP_X_CSRFTOKEN=token).status_code == 202


# --- labs and access ------------------------------------------------------------------------

def test_labs_lists_what_the_caller_may_see_and_creates_from_a_preset(api, lab, stranger, instructor, owner):
    assert api.get("/labs").json() == [{"lab": lab.moid, "name": "Seed", "owner": "alice", "preset": "seed-article"}]
    assert api.as_(stranger).get("/labs").json() == []
    assert lab.moid in [x["lab"] for x in api.as_(instructor).get("/labs").json()]
    created = api.post("/labs", {"preset": "classroom", "name": "Class"})
    assert created.status_code == 201 and created.json()["preset"] == "classroom"
    assert Lab.objects.filter(owner=owner, name="Class").exists()
    refused = api.post("/labs", {"preset": "nope"})
    assert refused.status_code == 400 and "Unknown preset" in errors_of(refused)[1][0]


ENDPOINTS = ["/vcenter/datacenter", "/vcenter/cluster", "/vcenter/host", "/vcenter/datastore", "/vcenter/network",
             "/vcenter/vm", "/tasks", "/events", "/clock"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_another_users_lab_is_not_found_and_members_and_instructors_see_it(api, lab, stranger, member, instructor, path):
    url = f"/labs/{lab.moid}{path}"
    response = api.as_(stranger).get(url)
    assert response.status_code == 404 and errors_of(response)[0] == "NOT_FOUND"
    for user in (member, instructor):
        assert api.as_(user).get(url).status_code == 200
    assert api.get(f"/labs/lab-99999{path}").status_code == 404


def test_a_stranger_cannot_act_on_another_users_lab(api, lab, stranger, web01, esx02):
    response = api.as_(stranger).post(vc(lab, f"/vm/{web01.moid}"), {"host": esx02.moid}, action="migrate")
    assert response.status_code == 404 and not Task.objects.exists()


# --- inventory reads ------------------------------------------------------------------------

def test_vm_fields_use_vsphere_rest_names(api, lab, web01, sim):
    vm = api.get(vc(lab, f"/vm/{web01.moid}")).json()
    assert vm["vm"] == web01.moid and vm["power_state"] == "POWERED_ON" and vm["host"] == web01.host.moid
    assert vm["cpu_count"] == 1 and vm["memory_size_MiB"] == 2048 and vm["memory_overhead_MiB"] == 122
    assert vm["ft_state"] == "NOT_CONFIGURED" and vm["ft_role"] == "NONE"
    assert vm["guest_state"] == "RUNNING" and vm["guest_uptime_s"] >= 3 * 86400 and vm["tools_running"]
    assert {v["name"] for v in api.get(vc(lab, "/vm")).json()} == {"W2K8-Web01", "RHEL5-DB01", "XP-Client01"}


def test_host_datastore_network_and_vmkernel_details(api, lab, esx01):
    host = api.get(vc(lab, f"/host/{esx01.moid}")).json()
    assert host["connection_state"] == "CONNECTED" and host["power_state"] == "POWERED_ON"
    assert host["cpu_vendor"] == "AMD" and host["cpu_mhz_total"] == 12 * 2600 and host["memory_size_MiB"] == 32768
    nics = api.get(vc(lab, f"/host/{esx01.moid}/vmkernel")).json()
    assert [(n["nic"], n["management"], n["vmotion"]) for n in nics] == [("vmk0", True, False), ("vmk1", False, True)]
    shared = next(d for d in api.get(vc(lab, "/datastore")).json() if d["name"] == "iscsi-vmfs01")
    assert shared["type"] == "VMFS" and shared["capacity"] == 500 * 1024**3 and 0 < shared["free_space"] < shared["capacity"]
    assert len(shared["hosts"]) == 2
    assert api.get(vc(lab, "/network")).json()[0]["name"] == "VM Network"
    assert api.get(vc(lab, "/host/host-0")).status_code == 404
    assert api.get(vc(lab, f"/vm/{esx01.moid}")).status_code == 404  # a host id is not a VM id


# --- create and edit ------------------------------------------------------------------------

def test_create_a_cluster_move_hosts_in_and_read_its_ha_slots(api, lab, esx01, esx02):
    datacenter = api.get(vc(lab, "/datacenter")).json()[0]["datacenter"]
    created = api.post(vc(lab, "/cluster"), {"name": "Cluster01", "datacenter": datacenter, "ha_enabled": True})
    assert created.status_code == 201
    cluster = created.json()["cluster"]
    for host in (esx01, esx02):
        assert api.post(vc(lab, f"/cluster/{cluster}/hosts"), {"host": host.moid}).json()["cluster"] == cluster
    patched = api.patch(vc(lab, f"/cluster/{cluster}"), {"admission_control_policy": "FAILOVER_LEVEL",
                                                         "failover_level": 1, "drs_enabled": True}).json()
    assert patched["ha_enabled"] and patched["drs_enabled"] and patched["hosts"] == [esx01.moid, esx02.moid]
    runtime = patched["ha_runtime"]
    # two running VMs, no reservations: the slot is 256 MHz by the largest overhead (RHEL5-DB01: 184 MB)
    assert (runtime["slot_cpu_MHz"], runtime["slot_memory_MiB"], runtime["used_slots"]) == (256, 184, 2)
    assert runtime["current_failover_capacity"] == 1
    bad = api.patch(vc(lab, f"/cluster/{cluster}"), {"failover_level": 9})
    assert bad.status_code == 400 and errors_of(bad)[0] == "INVALID_ARGUMENT"


def test_evc_refusals_list_every_host_problem(api, owner):
    mixed = lab_create(owner=owner, preset="mixed-cpu", name="Mixed")
    datacenter = api.get(f"/labs/{mixed.moid}/vcenter/datacenter").json()[0]["datacenter"]
    cluster = api.post(f"/labs/{mixed.moid}/vcenter/cluster", {"name": "C", "datacenter": datacenter}).json()["cluster"]
    for name in ("esx03.lab.local", "esx04.lab.local"):
        Host.objects.filter(lab=mixed, name=name).update(cluster=Cluster.objects.get(lab=mixed))
    response = api.patch(f"/labs/{mixed.moid}/vcenter/cluster/{cluster}", {"evc_mode": "amd-rev-f"})
    kind, messages = errors_of(response)
    assert response.status_code == 400 and kind == "NOT_ALLOWED_IN_CURRENT_STATE"
    assert any("esx04.lab.local" in m and "does not support" in m for m in messages)


def test_add_host_from_a_profile_or_explicit_specs(api, lab):
    datacenter = api.get(vc(lab, "/datacenter")).json()[0]["datacenter"]
    host = api.post(vc(lab, "/host"), {"name": "esx03.lab.local", "datacenter": datacenter, "profile": "r710-x5570-48"})
    assert host.status_code == 201 and host.json()["cpu_vendor"] == "INTEL"
    spec = {"name": "esx04.lab.local", "datacenter": datacenter, "vendor": "Dell Inc.", "model": "PowerEdge R805",
            "cpu_vendor": "amd", "cpu_model": "AMD Opteron 2435", "cpu_family": 16, "cpu_model_number": 8,
            "evc_max": "amd-greyhound", "sockets": 2, "cores_per_socket": 6, "cpu_mhz": 2600, "memory_mb": 32768}
    assert api.post(vc(lab, "/host"), spec).status_code == 201
    missing = api.post(vc(lab, "/host"), {"name": "esx05.lab.local", "datacenter": datacenter})
    assert missing.status_code == 400 and len(errors_of(missing)[1]) >= 5  # one message per missing field
    assert api.post(vc(lab, "/host"), {"name": "esx06", "datacenter": datacenter, "profile": "nope"}).status_code == 400


def test_create_and_edit_a_vm(api, lab, esx02):
    shared = next(d for d in api.get(vc(lab, "/datastore")).json() if d["name"] == "iscsi-vmfs01")["datastore"]
    created = api.post(vc(lab, "/vm"), {"name": "Ubuntu01", "host": esx02.moid, "datastore": shared,
                                        "guest_OS": "ubuntu64Guest", "memory_size_MiB": 512, "disk_size_MiB": 8192})
    assert created.status_code == 201 and created.json()["power_state"] == "POWERED_OFF"
    vm = created.json()["vm"]
    patched = api.patch(vc(lab, f"/vm/{vm}"), {"cpu_count": 2, "memory_reservation_MiB": 256, "workload": "web"})
    assert (patched.json()["cpu_count"], patched.json()["memory_reservation_MiB"], patched.json()["workload"]) == (2, 256, "web")
    bad = api.patch(vc(lab, f"/vm/{vm}"), {"memory_size_MiB": 1023})
    assert bad.status_code == 400 and "multiple of 4" in errors_of(bad)[1][0]
    unknown = api.post(vc(lab, "/vm"), {"name": "X", "host": "host-999999", "datastore": shared})
    assert unknown.status_code == 400 and errors_of(unknown)[1] == ["host: no host host-999999 in this lab."]


def test_vmkernel_flags_change(api, lab, esx02):
    nic = api.patch(vc(lab, f"/host/{esx02.moid}/vmkernel/vmk1"), {"vmotion": False, "ft_logging": True}).json()
    assert nic == {"nic": "vmk1", "ip": "10.0.0.12", "portgroup": "VMkernel", "management": False, "vmotion": False,
                   "ft_logging": True}
    assert api.patch(vc(lab, f"/host/{esx02.moid}/vmkernel/vmk9"), {"vmotion": True}).status_code == 404


# --- actions --------------------------------------------------------------------------------

def test_migrate_returns_a_task_that_succeeds_in_simulated_time(api, lab, web01, esx02, sim):
    response = api.post(vc(lab, f"/vm/{web01.moid}"), {"host": esx02.moid, "priority": "low"}, action="migrate")
    assert response.status_code == 202
    task = response.json()["task"]
    sim.run(15)
    running = api.get(f"/labs/{lab.moid}/tasks/{task}").json()
    assert running["state"] == "RUNNING" and running["description"] == "Migrate virtual machine"
    assert running["phase"].startswith("Pre-copy round") and 0 < running["progress"] < 100
    sim.run(30, step=5)
    done = api.get(f"/labs/{lab.moid}/tasks/{task}").json()
    assert done["state"] == "SUCCEEDED" and done["progress"] == 100 and done["end_time"] > done["start_time"]
    assert api.get(vc(lab, f"/vm/{web01.moid}")).json()["host"] == esx02.moid


def test_each_compatibility_problem_is_one_message(api, lab, web01, esx01, esx02):
    esx01.vmknics.update(vmotion=False)
    esx02.vmknics.update(vmotion=False)
    response = api.post(vc(lab, f"/vm/{web01.moid}"), {"host": esx02.moid}, action="migrate")
    kind, messages = errors_of(response)
    assert response.status_code == 400 and kind == "NOT_ALLOWED_IN_CURRENT_STATE"
    assert len(messages) == 2 and all("no VMkernel port enabled for VMotion" in m for m in messages)


def test_migrate_needs_a_destination_and_a_known_action(api, lab, web01):
    assert errors_of(api.post(vc(lab, f"/vm/{web01.moid}"), {}, action="migrate"))[0] == "INVALID_ARGUMENT"
    assert api.post(vc(lab, f"/vm/{web01.moid}"), {"host": "host-1"}, action="explode").status_code == 400
    assert api.post(vc(lab, f"/vm/{web01.moid}"), {"host": "host-1", "priority": "urgent"}, action="migrate").status_code == 400


def test_power_actions_return_tasks(api, lab, xp01, sim):
    response = api.post(vc(lab, f"/vm/{xp01.moid}/power"), action="start")
    assert response.status_code == 202
    sim.run(2)
    assert api.get(vc(lab, f"/vm/{xp01.moid}")).json()["power_state"] == "POWERED_ON"
    again = api.post(vc(lab, f"/vm/{xp01.moid}/power"), action="start")
    assert again.status_code == 400 and "already powered on" in errors_of(again)[1][0]


def test_host_faults_take_running_vms_down_and_the_cable_pull_does_not(api, lab, esx01, esx02, sim):
    pulled = api.post(vc(lab, f"/host/{esx02.moid}/fault"), action="disconnect-management-network")
    assert pulled.status_code == 202 and pulled.json()["input"].startswith("input-")
    sim.run()
    host = api.get(vc(lab, f"/host/{esx02.moid}")).json()
    # the cable is out; vCenter notices only after its heartbeat timeout
    assert host["management_network"] == "DISCONNECTED" and host["connection_state"] == "CONNECTED"
    api.post(vc(lab, f"/host/{esx01.moid}/fault"), action="power-off")
    sim.run()
    assert api.get(vc(lab, f"/host/{esx01.moid}")).json()["power_state"] == "POWERED_OFF"
    assert not VirtualMachine.objects.filter(host=esx01, power_state="poweredOn").exists()
    assert api.post(vc(lab, f"/host/{esx01.moid}/fault"), action="power-off").status_code == 400
    sim.run(60)
    assert {h["name"]: h["connection_state"] for h in api.get(vc(lab, "/host")).json()} == {
        "esx01.lab.local": "NOT_RESPONDING", "esx02.lab.local": "NOT_RESPONDING"}
    assert api.post(vc(lab, f"/host/{esx01.moid}/fault"), action="power-on").status_code == 202
    sim.run(120)  # ESXi boots, then vCenter reconnects it
    host = api.get(vc(lab, f"/host/{esx01.moid}")).json()
    assert host["power_state"] == "POWERED_ON" and host["connection_state"] == "CONNECTED"
    assert api.post(vc(lab, f"/host/{esx01.moid}/fault"), action="melt").status_code == 400


def test_storage_loss_hangs_the_guests_and_a_guest_can_hang_alone(api, lab, esx01, web01, xp01, sim):
    api.post(vc(lab, f"/host/{esx01.moid}/fault"), action="disconnect-storage")
    sim.run()
    assert api.get(vc(lab, f"/vm/{web01.moid}")).json()["guest_state"] == "HUNG"
    api.post(vc(lab, f"/host/{esx01.moid}/fault"), action="reconnect-storage")
    sim.run()
    assert api.get(vc(lab, f"/vm/{web01.moid}")).json()["guest_state"] == "RUNNING"
    assert api.post(vc(lab, f"/vm/{web01.moid}/fault"), action="guest-hang").status_code == 202
    sim.run()
    hung = api.get(vc(lab, f"/vm/{web01.moid}")).json()
    assert hung["guest_state"] == "HUNG" and not hung["tools_running"]
    assert api.post(vc(lab, f"/vm/{xp01.moid}/fault"), action="guest-hang").status_code == 400  # powered off


def test_faults_are_listed_while_active_and_restored_by_id(api, lab, esx01, esx02, sim):
    faults = f"/labs/{lab.moid}/faults"
    created = api.post(faults, {"type": "network-partition", "host": esx01.moid, "peer": esx02.moid})
    assert created.status_code == 202
    record = f"/labs/{lab.moid}/inputs/{created.json()['input']}"
    assert api.get(record).json()["state"] == "PENDING"
    sim.run()
    assert api.get(record).json() | {"time": None, "applied_time": None} == {
        "input": created.json()["input"], "kind": "fault.start", "state": "APPLIED", "time": None,
        "applied_time": None, "result": "", "user": "alice"}
    (listed,) = api.get(faults).json()
    assert (listed["type"], listed["host_name"], listed["peer_name"], listed["restoring"]) == (
        "network-partition", "esx01.lab.local", "esx02.lab.local", False)
    again = api.post(faults, {"type": "network-partition", "host": esx02.moid, "peer": esx01.moid})
    assert errors_of(again)[1] == ["A network partition is already simulated on esx01.lab.local and esx02.lab.local."]
    assert api.delete(f"{faults}/{listed['fault']}").status_code == 202
    assert api.get(faults).json()[0]["restoring"] is True
    assert api.delete(f"{faults}/{listed['fault']}").status_code == 400  # once is enough
    sim.run()
    assert api.get(faults).json() == []
    assert api.delete(f"{faults}/fault-999").status_code == 404


@pytest.mark.parametrize("body, message", [
    ({"type": "host-crash"}, "A host crash needs a host."),
    ({"type": "management-switch", "host": "{esx01}"}, "A management switch failure takes no host."),
    ({"type": "network-partition", "host": "{esx01}"}, "A network partition needs a second host (peer)."),
    ({"type": "network-partition", "host": "{esx01}", "peer": "{esx01}"},
     "A network partition is between two different hosts."),
    ({"type": "guest-hang", "vm": "{xp01}"}, "XP-Client01 is not powered on: its guest cannot hang."),
    ({"type": "melt", "host": "{esx01}"}, "Unknown fault type 'melt': use one of host-power-off, host-crash, "
     "management-network, vmotion-network, storage-paths, ft-logging-network, network-partition, management-switch, "
     "guest-hang."),
    ({"type": "host-crash", "host": "host-999"}, "host: no host host-999 in this lab."),
])
def test_a_fault_that_cannot_be_simulated_is_refused_and_writes_nothing(api, lab, esx01, xp01, body, message):
    body = {k: v.format(esx01=esx01.moid, xp01=xp01.moid) for k, v in body.items()}
    response = api.post(f"/labs/{lab.moid}/faults", body)
    assert response.status_code == 400 and errors_of(response)[1] == [message]
    assert not Input.objects.exists()


def test_fault_tolerance_actions_exist_and_say_they_are_not_simulated_yet(api, lab, web01):
    response = api.post(vc(lab, f"/vm/{web01.moid}/fault-tolerance"), action="turn-on")
    assert response.status_code == 400 and errors_of(response)[0] == "UNSUPPORTED"


# --- tasks, events, clock ---------------------------------------------------------------------

def test_tasks_events_and_cancel(api, lab, web01, esx02, sim):
    task = api.post(vc(lab, f"/vm/{web01.moid}"), {"host": esx02.moid}, action="migrate").json()["task"]
    sim.run(5)
    assert api.get(f"/labs/{lab.moid}/tasks").json()[0]["task"] == task
    canceled = api.post(f"/labs/{lab.moid}/tasks/{task}", action="cancel")
    assert canceled.status_code == 200
    sim.run(1)
    failed = api.get(f"/labs/{lab.moid}/tasks/{task}").json()
    assert failed["state"] == "FAILED" and failed["error"] == "The task was canceled by a user."
    events = api.get(f"/labs/{lab.moid}/events", after=0).json()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    last = events[-1]
    assert last["type"] == "VmFailedMigrateEvent" and last["object"] == web01.moid and last["time"] and last["wall_time"]
    assert api.get(f"/labs/{lab.moid}/events", after=last["seq"]).json() == []
    assert api.get(f"/labs/{lab.moid}/tasks/task-0").status_code == 404


def test_the_clock_reads_and_changes_for_the_owner_only(api, lab, member):
    clock = api.get(f"/labs/{lab.moid}/clock").json()
    assert clock == {"now": "2010-02-10T09:00:00Z", "now_s": 0.0, "speed": 1.0, "paused": True}
    assert api.patch(f"/labs/{lab.moid}/clock", {"speed": 50, "paused": False}).json()["speed"] == 50
    refused = api.as_(member).patch(f"/labs/{lab.moid}/clock", {"speed": 2})
    assert refused.status_code == 403 and errors_of(refused)[0] == "UNAUTHORIZED"
    assert api.patch(f"/labs/{lab.moid}/clock", {"speed": 500}).status_code == 400


def test_advance_returns_once_the_simulation_got_there(api, lab, web01, esx02, runner_thread):
    task = api.post(vc(lab, f"/vm/{web01.moid}"), {"host": esx02.moid}, action="migrate").json()["task"]
    clock = api.post(f"/labs/{lab.moid}/clock", {"seconds": 60}, action="advance")
    assert clock.status_code == 200 and clock.json()["now_s"] == 60
    assert api.get(f"/labs/{lab.moid}/tasks/{task}").json()["state"] == "SUCCEEDED"
    assert api.post(f"/labs/{lab.moid}/clock", {"seconds": -1}, action="advance").status_code == 400


def test_bad_json_is_an_invalid_argument(client, api, lab):
    response = client.post(f"/api/labs/{lab.moid}/vcenter/datacenter", "{not json", content_type="application/json",
                           **api.headers)
    assert response.status_code == 400 and errors_of(response)[0] == "INVALID_ARGUMENT"


def test_the_openapi_schema_and_the_docs_page_are_served_without_a_cdn(client, owner):
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.") and "/api/labs/{lab}/vcenter/vm" in schema["paths"]
    client.force_login(owner)
    docs = client.get("/api/docs").content.decode()
    assert "swagger" in docs.lower() and "cdn" not in docs.lower()


def test_what_schemathesis_found_nul_characters_and_unicode_digits_are_refused_cleanly(api, lab, web01):
    """PostgreSQL refuses NUL in text (a 500 before); "²" passed str.isdigit and broke int()."""
    response = api.post(vc(lab, "/datacenter"), {"name": "DC\x00"})
    assert response.status_code == 400 and "NUL" in errors_of(response)[1][0]
    assert api.get("/labs/lab-\u00b2/clock").status_code == 404
    assert api.get(vc(lab, "/vm/vm-\u00b2")).status_code == 404


def test_what_review_found_evc_storage_loss_and_unreachable_hosts_are_enforced(api, lab, esx01, esx02, xp01, web01,
                                                                               sim):
    datacenter = api.get(vc(lab, "/datacenter")).json()[0]["datacenter"]
    cluster = api.post(vc(lab, "/cluster"), {"name": "B", "datacenter": datacenter, "evc_mode": "amd-rev-e"}).json()
    moved = api.post(vc(lab, f"/cluster/{cluster['cluster']}/hosts"), {"host": esx01.moid})  # runs W2K8-Web01
    assert moved.status_code == 400 and "EVC mode" in errors_of(moved)[1][0]
    api.post(vc(lab, f"/host/{esx02.moid}/fault"), action="disconnect-storage")
    sim.run()
    refused = api.post(vc(lab, f"/vm/{xp01.moid}/power"), action="start")
    assert refused.status_code == 400 and "lost access to datastore" in errors_of(refused)[1][0]
    migrate = api.post(vc(lab, f"/vm/{web01.moid}"), {"host": esx02.moid}, action="migrate")
    assert migrate.status_code == 400 and any("not accessible from host esx02" in m for m in errors_of(migrate)[1])
    api.post(vc(lab, f"/host/{esx02.moid}/fault"), action="power-off")
    sim.run()  # the host is down; vCenter has not noticed yet, and cannot reach it
    nic = api.patch(vc(lab, f"/host/{esx02.moid}/vmkernel/vmk1"), {"vmotion": False})
    assert nic.status_code == 400 and errors_of(nic)[1] == [
        "Unable to communicate with the remote host, since it is disconnected."]
    sim.run(60)
    nic = api.patch(vc(lab, f"/host/{esx02.moid}/vmkernel/vmk1"), {"vmotion": False})
    assert errors_of(nic)[1][0].startswith("The operation is not allowed in the current connection state of the host.")


def test_unknown_api_paths_and_methods_answer_in_the_error_format(client, api, lab):
    assert errors_of(api.get("/nothing-here"))[0] == "NOT_FOUND"
    response = client.put(f"/api/labs/{lab.moid}/vcenter/datacenter", **api.headers)
    assert response.status_code == 405 and errors_of(response)[0] == "INVALID_ARGUMENT"


def test_advance_without_a_runner_refuses_and_changes_nothing(api, lab, web01, esx02):
    api.post(vc(lab, f"/vm/{web01.moid}"), {"host": esx02.moid}, action="migrate")
    response = api.post(f"/labs/{lab.moid}/clock", {"seconds": 600}, action="advance")
    assert response.status_code == 503 and errors_of(response)[0] == "SERVICE_UNAVAILABLE"
    assert Lab.objects.get(pk=lab.pk).sim_seconds == lab.sim_seconds


# --- parsing: objects, JSON types, enumerations (issue 9) ---------------------------------------

NOT_AN_OBJECT = ["The request body must be a JSON object."]


@pytest.mark.parametrize("body", ["false", "[null, null]", "null", '"esx01"', "5", "", "[]"])
def test_a_body_that_is_not_a_json_object_is_refused_with_one_message(client, api, lab, xp01, body):
    events = Event.objects.count()
    for method, path in ((client.patch, vc(lab, f"/vm/{xp01.moid}")), (client.post, vc(lab, "/datacenter")),
                         (client.patch, f"/labs/{lab.moid}/clock")):
        response = method(f"/api{path}", body, content_type="application/json", **api.headers)
        assert response.status_code == 400 and errors_of(response) == ("INVALID_ARGUMENT", NOT_AN_OBJECT), path
    assert Event.objects.count() == events


@pytest.mark.parametrize("path, body, message", [
    ("/vm/{xp01}", {"cpu_count": "2"}, "cpu_count: Input should be a valid integer"),
    ("/vm/{xp01}", {"cpu_count": 2.0}, "cpu_count: Input should be a valid integer"),
    ("/vm/{xp01}", {"cpu_count": True}, "cpu_count: Input should be a valid integer"),
    ("/host/{esx02}/vmkernel/vmk1", {"vmotion": 0}, "vmotion must be true or false."),
    ("/host/{esx02}/vmkernel/vmk1", {"vmotion": "false"}, "vmotion must be true or false."),
    ("/vm/{xp01}", {"cpu_cont": 2}, "cpu_cont: Extra inputs are not permitted"),
])
def test_booleans_and_integers_are_json_types_and_unknown_fields_are_refused(api, lab, xp01, esx02, path, body, message):
    before = list(VirtualMachine.objects.values()), list(esx02.vmknics.values())
    response = api.patch(vc(lab, path.format(xp01=xp01.moid, esx02=esx02.moid)), body)
    assert response.status_code == 400 and errors_of(response)[1] == [message]
    assert (list(VirtualMachine.objects.values()), list(esx02.vmknics.values())) == before


def test_the_clock_takes_numbers_and_booleans_of_json(api, lab):
    for body in ({"speed": "5"}, {"speed": True}, {"paused": 1}):
        assert api.patch(f"/labs/{lab.moid}/clock", body).status_code == 400, body
    assert api.patch(f"/labs/{lab.moid}/clock", {"speed": 5}).json()["speed"] == 5  # an integer is a number
    assert Lab.objects.get(pk=lab.pk).clock_speed == 5


def test_enumerations_are_enums_of_the_openapi_document(client):
    from inventory.choices import GuestOs

    schema = client.get("/api/openapi.json").json()
    components = schema["components"]["schemas"]

    def enum(ref_or_schema):
        wrapped = ref_or_schema.get("anyOf", []) + ref_or_schema.get("allOf", [])
        ref = ref_or_schema.get("$ref") or next((s["$ref"] for s in wrapped if "$ref" in s), None)
        inline = next((s["enum"] for s in [ref_or_schema, *wrapped] if "enum" in s), None)
        return components[ref.rsplit("/", 1)[1]]["enum"] if ref else inline

    assert enum(components["VmCreate"]["properties"]["guest_OS"]) == list(GuestOs.values)
    assert enum(components["VmCreate"]["properties"]["disk_provisioning"]) == ["thin", "lazyZeroedThick", "eagerZeroedThick"]
    assert enum(components["VmPatch"]["properties"]["workload"]) == ["idle", "web", "database", "memoryHeavy"]
    assert "" in enum(components["ClusterCreate"]["properties"]["evc_mode"])
    assert "intel-westmere" in enum(components["ClusterPatch"]["properties"]["evc_mode"])
    assert enum(components["ClusterPatch"]["properties"]["admission_control_policy"]) == [
        "FAILOVER_LEVEL", "PERCENTAGE", "FAILOVER_HOST"]
    assert "r805-2435-32" in enum(components["HostCreate"]["properties"]["profile"])
    assert "" not in enum(components["HostCreate"]["properties"]["evc_max"])
    assert enum(components["HostCreate"]["properties"]["esx_version"]) == ["4.0.0", "4.1.0"]
    assert enum(components["HostCreate"]["properties"]["nic_gbps"]) == [1, 10]
    assert enum(components["LabCreate"]["properties"]["preset"]) == ["seed-article", "classroom", "mixed-cpu", "scale"]
    assert enum(components["MigrateSpec"]["properties"]["priority"]) == ["high", "low"]
    paths = schema["paths"]

    def action(path):
        return enum(next(p for p in paths[path]["post"]["parameters"] if p["name"] == "action")["schema"])

    assert "crash" in action("/api/labs/{lab}/vcenter/host/{host}/fault")
    assert action("/api/labs/{lab}/vcenter/vm/{vm}/fault") == ["guest-hang", "guest-recover"]
    assert action("/api/labs/{lab}/vcenter/vm/{vm}/power") == ["start", "stop", "reset", "shutdown"]
    assert "turn-on" in action("/api/labs/{lab}/vcenter/vm/{vm}/fault-tolerance")
    # ranges are documented; the services enforce them with the pages' words
    cpu = components["VmCreate"]["properties"]["cpu_count"]
    assert (cpu["minimum"], cpu["maximum"]) == (1, 8) and components["VmCreate"]["additionalProperties"] is False


def test_an_unknown_value_gets_the_rules_message_in_a_query_too(api, lab, esx01):
    response = api.post(vc(lab, f"/host/{esx01.moid}/fault"), action="melt")
    assert errors_of(response)[1] == ["Unknown host fault 'melt': use one of power-off, power-on, crash, "
                                      "disconnect-management-network, reconnect-management-network, "
                                      "disconnect-vmotion-network, reconnect-vmotion-network, disconnect-storage, "
                                      "reconnect-storage, disconnect-ft-logging-network, "
                                      "reconnect-ft-logging-network."]


def test_a_profile_and_explicit_specs_together_are_refused_not_half_ignored(api, lab):
    datacenter = api.get(vc(lab, "/datacenter")).json()[0]["datacenter"]
    response = api.post(vc(lab, "/host"), {"name": "esx03.lab.local", "datacenter": datacenter,
                                           "profile": "r805-2435-32", "memory_mb": 65536})
    assert errors_of(response)[1] == ["Give a hardware profile or explicit specifications, not both: profile "
                                      "r805-2435-32 with memory_mb."]
    assert not Host.objects.filter(lab=lab, name="esx03.lab.local").exists()


def test_a_scale_lab_takes_its_size_through_the_api_and_other_presets_take_none(api, owner):
    created = api.post("/labs", {"preset": "scale", "name": "Big", "hosts": 4, "vms": 8, "cluster_size": 2})
    assert created.status_code == 201
    assert Host.objects.filter(lab__name="Big").count() == 4 and Cluster.objects.filter(lab__name="Big").count() == 2
    refused = api.post("/labs", {"preset": "classroom", "hosts": 4})
    assert errors_of(refused)[1] == ["Preset 'classroom' takes no parameters."]
    assert api.post("/labs", {"preset": "scale", "name": "Big"}).status_code == 400  # ALREADY_EXISTS
    assert Lab.objects.filter(owner=owner).count() == 1


def test_advance_refuses_a_bad_number_of_seconds_at_once_even_while_tasks_wait(api, lab, web01, esx02):
    api.post(vc(lab, f"/vm/{web01.moid}"), {"host": esx02.moid}, action="migrate")
    response = api.post(f"/labs/{lab.moid}/clock", {"seconds": 0}, action="advance")
    assert response.status_code == 400 and errors_of(response)[0] == "INVALID_ARGUMENT"
