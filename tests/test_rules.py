"""One rule set (issue 9): a bad input sent through a page (the dialog's POST) and through the JSON
API gets the same refusal, in the words of the rule in inventory/rules.py, and changes nothing:
no new event, task or row, no field changed. Inputs only one side can express (explicit CPU
specs, PATCH booleans; snapshot names, ISO paths) are compared with the service called directly,
as a scenario script would. Run it on PostgreSQL too (DATABASE_URL): a NUL in a form is a
message there, not a database error."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Callable

import pytest
from django.urls import reverse

from inventory import rules, services
from inventory.choices import DISK_PROVISIONING, GUEST_OS, WORKLOAD
from inventory.hardware import PROFILES_BY_KEY, HostSpec
from inventory.models import (
    Cluster, Datacenter, Datastore, Host, Lab, Snapshot, VirtualDisk, VirtualMachine, VMkernelNic,
)
from inventory.presets import PRESET
from inventory.templatetags.vsphere import action_url
from operations.faults import VimFault
from operations.models import Event, Task
from operations.services.migrate import PRIORITY
from tests.api.conftest import api, token_for  # noqa: F401 (fixtures: a client with an API session)
from tests.api.test_api import errors_of, vc

AMD_SPEC = {"vendor": "Whitebox", "model": "Lab server", "cpu_vendor": "amd",
            "cpu_model": "Six-Core AMD Opteron(tm) Processor 2435", "cpu_family": 16, "cpu_model_number": 8,
            "evc_max": "amd-greyhound", "sockets": 1, "cores_per_socket": 6, "cpu_mhz": 2200, "memory_mb": 16384}
AMD_FORM = {"hardware": "custom", "cpu": "amd|Six-Core AMD Opteron(tm) Processor 2435", "vendor": "Whitebox",
            "model": "Lab server", "sockets": "1", "cores_per_socket": "6", "cpu_mhz": "2200", "memory_gb": "16",
            "esx_version": "4.0.0"}


def state() -> list:
    """Everything a refused input must leave as it was."""
    rows = [list(model.objects.order_by("pk").values()) for model in (
        Lab, Datacenter, Cluster, Host, VMkernelNic, Datastore, VirtualMachine, VirtualDisk, Snapshot)]
    return [Event.objects.count(), Task.objects.count(), *rows]


def page_messages(response) -> list[str]:
    """The refusal a page shows: its alerts (the dialog's errors, a field's, the clock's)."""
    found = []
    for _tag, inner in re.findall(r'<(\w+)[^>]*role="alert"[^>]*>(.*?)</\1>', response.content.decode(), re.S):
        found += re.findall(r"<p>(.*?)</p>", inner, re.S) or [inner]
    return [html.unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in found]


def by_name(lab, model, name):
    return model.objects.get(lab=lab, name=name)


@dataclass(frozen=True)
class Case:
    id: str
    page: Callable  # lab -> (url, form data)
    api: Callable  # lab -> (method, path, body, query)
    expected: list[str] = field(default_factory=list)  # the rule's messages

    def __str__(self):
        return self.id


def dialog(obj: Callable, slug: str, data: dict) -> Callable:
    def page(lab):
        return action_url(obj(lab), slug), data(lab) if callable(data) else data
    return page


def call(method: str, path: Callable | str, body: Callable | dict | None = None, **query) -> Callable:
    def api(lab):
        where = path(lab) if callable(path) else path
        return method, where, body(lab) if callable(body) else body, query
    return api


ROOT = lambda lab: lab  # noqa: E731
DC = lambda lab: Datacenter.objects.get(lab=lab)  # noqa: E731
ESX02 = lambda lab: by_name(lab, Host, "esx02.lab.local")  # noqa: E731
XP01 = lambda lab: by_name(lab, VirtualMachine, "XP-Client01")  # noqa: E731
WEB01 = lambda lab: by_name(lab, VirtualMachine, "W2K8-Web01")  # noqa: E731


def new_datacenter(name: str, expected: list[str]) -> Case:
    return Case(f"datacenter {name!r}", dialog(ROOT, "new-datacenter", {"name": name}),
                call("post", lambda lab: vc(lab, "/datacenter"), {"name": name}), expected)


def new_cluster(body: dict, expected: list[str], label: str) -> Case:
    form = {"name": "C1", **{k: v for k, v in body.items() if k != "datacenter"}}
    return Case(f"cluster {label}", dialog(DC, "new-cluster", form),
                call("post", lambda lab: vc(lab, "/cluster"), lambda lab: {"name": "C1", "datacenter": DC(lab).moid,
                                                                         **body}), expected)


def add_host(form: dict, body: dict, expected: list[str], label: str) -> Case:
    return Case(f"host {label}", dialog(DC, "add-host", {"name": "esx03.lab.local", "hardware": "r805-2435-32",
                                                         "esx_version": "4.0.0", **form}),
                call("post", lambda lab: vc(lab, "/host"), lambda lab: {
                    "name": "esx03.lab.local", "datacenter": DC(lab).moid, **body}), expected)


def vm_form(lab, **changes):
    esx02 = ESX02(lab)
    return {"name": "Ubuntu01", "host": esx02.pk, "datastore": esx02.datastores.get(name="iscsi-vmfs01").pk,
            "guest_os": "ubuntu64Guest", "num_cpu": "1", "memory_mb": "512", "disk_gb": "8", "provisioning": "thin",
            "network": esx02.portgroups.get(name="VM Network").network_id, "workload": "idle", **changes}


def vm_body(lab, **changes):
    esx02 = ESX02(lab)
    return {"name": "Ubuntu01", "host": esx02.moid, "datastore": esx02.datastores.get(name="iscsi-vmfs01").moid,
            "guest_OS": "ubuntu64Guest", "cpu_count": 1, "memory_size_MiB": 512, "disk_size_MiB": 8192,
            "disk_provisioning": "thin", "workload": "idle", **changes}


def new_vm(form: dict, body: dict, expected: list[str], label: str) -> Case:
    return Case(f"vm {label}", dialog(ESX02, "new-vm", lambda lab: vm_form(lab, **form)),
                call("post", lambda lab: vc(lab, "/vm"), lambda lab: vm_body(lab, **body)), expected)


def edit_settings(form: dict, body: dict, expected: list[str], label: str) -> Case:
    def data(lab):
        xp01 = XP01(lab)
        return {"num_cpu": "1", "memory_mb": "1024", "cpu_reservation_mhz": "0", "memory_reservation_mb": "0",
                "workload": "idle", f"disk_{xp01.disks.get().pk}": str(xp01.disks.get().capacity_mb),
                "add_disk_provisioning": "thin", **form}
    return Case(f"edit {label}", dialog(XP01, "edit-settings", data),
                call("patch", lambda lab: vc(lab, f"/vm/{XP01(lab).moid}"), body), expected)


NAME_CASES = [
    ("DC\u202eevil", rules.name_problems("DC\u202eevil")),  # right-to-left override
    ("DC\x00", rules.name_problems("DC\x00")),  # NUL: PostgreSQL cannot store it
    ("Zero\u200bwidth", rules.name_problems("Zero\u200bwidth")),
    ("Join\u200dme", rules.name_problems("Join\u200dme")),
    ("Isolate\u2066d", rules.name_problems("Isolate\u2066d")),
    ("Bell\x07", rules.name_problems("Bell\x07")),
    ("Next\x85line", rules.name_problems("Next\x85line")),  # C1
    ("Two\nlines", rules.name_problems("Two\nlines")),
    ("BOM\ufeff", rules.name_problems("BOM\ufeff")),
    ("", ["The name is required."]),
    ("   ", ["The name is required."]),
    ("x" * 81, ["The name must be 80 characters or fewer."]),
    ("DC/1", ["The name may not contain the characters % / \\."]),
]

CASES = [
    *[new_datacenter(name, expected) for name, expected in NAME_CASES],
    new_cluster({"evc_mode": "no-such-evc"}, rules.EVC_MODE.problems("no-such-evc"), "with an unknown EVC mode"),
    new_cluster({"name": "C\u202e1"}, rules.name_problems("C\u202e1"), "with a bidi override"),
    add_host({"name": "Bad Host_Name"}, {"name": "Bad Host_Name", "profile": "r805-2435-32"},
             rules.host_name_problems("Bad Host_Name"), "Bad Host_Name"),
    add_host({"name": "h' or '1'='1"}, {"name": "h' or '1'='1", "profile": "r805-2435-32"},
             rules.host_name_problems("h' or '1'='1"), "named like an SQL injection"),
    add_host({"name": "esx\u202e03"}, {"name": "esx\u202e03", "profile": "r805-2435-32"},
             rules.host_name_problems("esx\u202e03"), "with a bidi override"),
    add_host({"name": "esx\x00"}, {"name": "esx\x00", "profile": "r805-2435-32"},
             rules.host_name_problems("esx\x00"), "with a NUL"),
    add_host({"hardware": "cray-1"}, {"profile": "cray-1"}, rules.HOST_PROFILE.problems("cray-1"), "unknown profile"),
    add_host({"esx_version": "9.9"}, {"profile": "r805-2435-32", "esx_version": "9.9"},
             rules.ESX_VERSION.problems("9.9"), "unknown ESX version"),
    add_host({"management_ip": "999.1.1.1"}, {"profile": "r805-2435-32", "management_ip": "999.1.1.1"},
             rules.management_ip_problems("999.1.1.1"), "bad management address"),
    add_host({"management_ip": "127.0.0.1"}, {"profile": "r805-2435-32", "management_ip": "127.0.0.1"},
             rules.management_ip_problems("127.0.0.1"), "loopback management address"),
    add_host({**AMD_FORM, "cpu_mhz": "5000"}, {**AMD_SPEC, "cpu_mhz": 5000},
             rules.range_problems(5000, *rules.HOST_CPU_MHZ, subject="The CPU speed", unit="MHz"), "too fast a CPU"),
    add_host({**AMD_FORM, "memory_gb": "1"}, {**AMD_SPEC, "memory_mb": 1024},
             rules.range_problems(1024, *rules.HOST_MEMORY_MB, subject="Host memory", unit="MB"), "too little memory"),
    add_host({**AMD_FORM, "sockets": "9"}, {**AMD_SPEC, "sockets": 9},
             rules.range_problems(9, *rules.HOST_SOCKETS, subject="CPU sockets"), "too many sockets"),
    add_host({**AMD_FORM, "vendor": "Dell\u202e"}, {**AMD_SPEC, "vendor": "Dell\u202e"},
             rules.text_problems("Dell\u202e", subject="The server vendor", max_length=60), "vendor with a bidi override"),
    new_vm({"name": "VM\u202e"}, {"name": "VM\u202e"}, rules.name_problems("VM\u202e"), "bidi override"),
    new_vm({"num_cpu": "9"}, {"cpu_count": 9}, rules.vcpu_problems(9), "nine vCPUs"),
    new_vm({"memory_mb": "1023"}, {"memory_size_MiB": 1023}, rules.memory_problems(1023), "memory not a multiple of 4"),
    new_vm({"memory_mb": "0"}, {"memory_size_MiB": 0}, rules.memory_problems(0), "no memory"),
    new_vm({"disk_gb": "2048"}, {"disk_size_MiB": 2048 * 1024}, rules.disk_size_problems(2048 * 1024), "a 2 TB disk"),
    new_vm({"guest_os": "beos"}, {"guest_OS": "beos"}, GUEST_OS.problems("beos"), "unknown guest OS"),
    new_vm({"provisioning": "sparse"}, {"disk_provisioning": "sparse"}, DISK_PROVISIONING.problems("sparse"),
           "unknown provisioning"),
    new_vm({"workload": "mining"}, {"workload": "mining"}, WORKLOAD.problems("mining"), "unknown workload"),
    Case("vm on a datastore its host does not see",
         dialog(ESX02, "new-vm", lambda lab: vm_form(lab, datastore=Datastore.objects.get(lab=lab, name="datastore1").pk)),
         call("post", lambda lab: vc(lab, "/vm"), lambda lab: vm_body(
             lab, datastore=Datastore.objects.get(lab=lab, name="datastore1").moid)),
         ["Datastore datastore1 is not accessible from host esx02.lab.local."]),
    edit_settings({"num_cpu": "9"}, {"cpu_count": 9}, rules.vcpu_problems(9), "nine vCPUs"),
    edit_settings({"memory_mb": "1023"}, {"memory_size_MiB": 1023}, rules.memory_problems(1023), "odd memory"),
    edit_settings({"cpu_reservation_mhz": "2601"}, {"cpu_reservation_MHz": 2601},
                  rules.cpu_reservation_problems(2601, num_cpu=1, host_mhz=2600, host_name="esx02.lab.local"),
                  "CPU reservation above the host's core"),
    edit_settings({"cpu_reservation_mhz": "-5"}, {"cpu_reservation_MHz": -5},
                  rules.cpu_reservation_problems(-5, num_cpu=1, host_mhz=2600, host_name="esx02.lab.local"),
                  "negative CPU reservation"),
    edit_settings({"memory_reservation_mb": "2048"}, {"memory_reservation_MiB": 2048},
                  rules.memory_reservation_problems(2048, memory_mb=1024), "memory reservation above memory"),
    edit_settings({"memory_overhead_override_mb": "0"}, {"memory_overhead_MiB": 0}, rules.overhead_problems(0),
                  "no overhead"),
    edit_settings({"workload": "mining"}, {"workload": "mining"}, WORKLOAD.problems("mining"), "unknown workload"),
    Case("lab with a bidi override", lambda lab: (reverse("lab-new"), {"preset": "classroom", "name": "Lab\u202e"}),
         call("post", "/labs", {"preset": "classroom", "name": "Lab\u202e"}),
         rules.name_problems("Lab\u202e", subject="The lab name", reserved="")),
    Case("lab with a NUL", lambda lab: (reverse("lab-new"), {"preset": "classroom", "name": "Lab\x00"}),
         call("post", "/labs", {"preset": "classroom", "name": "Lab\x00"}),
         rules.name_problems("Lab\x00", subject="The lab name", reserved="")),
    Case("lab from an unknown preset", lambda lab: (reverse("lab-new"), {"preset": "bogus"}),
         call("post", "/labs", {"preset": "bogus"}), PRESET.problems("bogus")),
    Case("lab beyond the scale maxima", lambda lab: (reverse("lab-new"), {"preset": "scale", "hosts": "5000"}),
         call("post", "/labs", {"preset": "scale", "hosts": 5000}), rules.scale_plan_problems(5000, 640, 32)),
    Case("migration with an unknown priority",
         dialog(WEB01, "migrate", lambda lab: {"type": "host", "host": ESX02(lab).pk, "step": "priority", "go": "next",
                                               "priority": "urgent"}),
         call("post", lambda lab: vc(lab, f"/vm/{WEB01(lab).moid}"), lambda lab: {
             "host": ESX02(lab).moid, "priority": "urgent"}, action="migrate"),
         PRIORITY.problems("urgent")),
    Case("migration finished with an unknown priority",
         dialog(WEB01, "migrate", lambda lab: {"type": "host", "host": ESX02(lab).pk, "step": "ready", "go": "finish",
                                               "priority": "urgent"}),
         call("post", lambda lab: vc(lab, f"/vm/{WEB01(lab).moid}"), lambda lab: {
             "host": ESX02(lab).moid, "priority": "urgent"}, action="migrate"),
         PRIORITY.problems("urgent")),
    Case("running VM changing both host and datastore",
         dialog(WEB01, "migrate", {"type": "both", "step": "type", "go": "next"}),
         call("post", lambda lab: vc(lab, f"/vm/{WEB01(lab).moid}"), lambda lab: {
             "host": ESX02(lab).moid, "datastore": Datastore.objects.get(lab=lab, name="datastore1 (1)").moid},
             action="migrate"),
         ["Power off W2K8-Web01 to change both its host and its datastore: vSphere 4 moves a running virtual "
          "machine's host or its storage, one at a time."]),
    Case("clock speed out of range", lambda lab: (reverse("clock", args=[lab.pk]), {"action": "speed", "speed": "500"}),
         call("patch", lambda lab: f"/labs/{lab.moid}/clock", {"speed": 500}),
         ["The clock speed must be between 0.1x and 100x."]),
    Case("clock advanced backwards", lambda lab: (reverse("clock", args=[lab.pk]), {"action": "advance", "seconds": "-1"}),
         call("post", lambda lab: f"/labs/{lab.moid}/clock", {"seconds": -1}, action="advance"),
         ["Advance the clock by more than 0 and at most 86,400 seconds (24 hours)."]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_page_and_the_api_refuse_a_bad_input_alike_and_change_nothing(case, owner_client, api, lab):
    before = state()
    url, data = case.page(lab)
    page = owner_client.post(url, data, headers={"HX-Request": "true"})
    assert page.status_code == 422, page.content[:500]
    assert state() == before
    method, path, body, query = case.api(lab)
    response = api.post(path, body, **query) if method == "post" else api.patch(path, body)
    assert response.status_code == 400, response.content
    assert state() == before
    assert page_messages(page) == errors_of(response)[1] == case.expected


# --- what only one side can express: compared with the service a script would call -------------

def script_refusal(run) -> list[str]:
    with pytest.raises(VimFault) as refused:
        run()
    return refused.value.messages


def test_explicit_cpu_specs_must_be_consistent_through_the_api_and_a_script(api, lab, owner):
    datacenter = Datacenter.objects.get(lab=lab)
    before = state()
    intel_with_amd = {**AMD_SPEC, "cpu_vendor": "intel", "cpu_model": "Intel(R) Xeon(R) CPU X5570 @ 2.93GHz"}
    for spec, expected in (
        (intel_with_amd, ["An Intel CPU cannot have the EVC baseline AMD Opteron Generation 3 (amd-greyhound): use one "
                          "of intel-merom, intel-penryn, intel-nehalem, intel-westmere."]),
        ({**AMD_SPEC, "evc_max": "no-such-evc"}, rules.EVC_BASELINE.problems("no-such-evc")),
        ({**AMD_SPEC, "cpu_family": 300}, ["The CPU family must be between 1 and 255."]),
        ({**AMD_SPEC, "nic_gbps": 40}, rules.NIC_SPEED.problems(40)),
    ):
        response = api.post(vc(lab, "/host"), {"name": "esx03.lab.local", "datacenter": datacenter.moid, **spec})
        assert response.status_code == 400 and errors_of(response)[1] == expected, spec
        assert script_refusal(lambda: services.host_add(
            lab=lab, name="esx03.lab.local", spec=HostSpec(**spec), user=owner, datacenter=datacenter)) == expected
    assert state() == before


@pytest.mark.parametrize("patch, expected", [
    ({"evc_mode": "no-such-evc"}, rules.EVC_MODE.problems("no-such-evc")),
    ({"admission_control_policy": "LUCK"}, ["Unknown admission control policy 'LUCK': use one of FAILOVER_LEVEL, "
                                            "PERCENTAGE, FAILOVER_HOST."]),
    ({"failover_level": 9}, ["Host failures the cluster tolerates must be between 1 and 4."]),
    ({"failover_cpu_percent": 101}, ["The CPU failover capacity must be between 0% and 100%."]),
])
def test_cluster_settings_are_refused_alike_by_the_api_and_a_script(api, lab, owner, patch, expected):
    cluster = services.cluster_create(datacenter=Datacenter.objects.get(lab=lab), name="C1", user=owner)
    before = state()
    response = api.patch(vc(lab, f"/cluster/{cluster.moid}"), patch)
    assert response.status_code == 400 and errors_of(response)[1] == expected
    assert script_refusal(lambda: services.cluster_reconfigure(cluster=cluster, user=owner, **patch)) == expected
    assert state() == before


def test_a_script_passing_numbers_for_switches_is_refused_as_the_api_refuses_them(api, lab, owner, esx02):
    cluster = services.cluster_create(datacenter=Datacenter.objects.get(lab=lab), name="C1", user=owner)
    before = state()
    expected = ["ha_enabled must be true or false."]
    assert errors_of(api.patch(vc(lab, f"/cluster/{cluster.moid}"), {"ha_enabled": 0}))[1] == expected
    assert script_refusal(lambda: services.cluster_reconfigure(cluster=cluster, user=owner, ha_enabled=0)) == expected
    nic = api.patch(vc(lab, f"/host/{esx02.moid}/vmkernel/vmk1"), {"vmotion": 1})
    assert errors_of(nic)[1] == ["vmotion must be true or false."] == script_refusal(
        lambda: services.host_vmknic_configure(host=esx02, device="vmk1", user=owner, vmotion=1))
    assert state() == before


PAGE_ONLY = [
    ("take-snapshot", {"name": "Snap\u202e", "description": ""},
     rules.name_problems("Snap\u202e", subject="The snapshot name", reserved="")),
    ("take-snapshot", {"name": "Snap\x00", "description": ""},
     rules.name_problems("Snap\x00", subject="The snapshot name", reserved="")),
    ("take-snapshot", {"name": "Snap", "description": "before\x00after"},
     rules.text_problems("before\x00after", subject="The snapshot description", max_length=255)),
    ("take-snapshot", {"name": "Snap", "description": "x" * 256}, ["The snapshot description must be 255 characters or fewer."]),
    ("rename", {"name": "XP\u202e"}, rules.name_problems("XP\u202e")),
    ("rename", {"name": "XP\x00"}, rules.name_problems("XP\x00")),
]


@pytest.mark.parametrize("slug, data, expected", PAGE_ONLY)
def test_names_the_api_does_not_take_yet_are_refused_by_the_page_with_the_rules_words(owner_client, lab, xp01,
                                                                                        slug, data, expected):
    before = state()
    page = owner_client.post(reverse("action", args=[lab.pk, xp01.moid, slug]), data, headers={"HX-Request": "true"})
    assert page.status_code == 422 and page_messages(page) == expected
    assert state() == before


def test_a_snapshot_description_may_have_several_lines(owner_client, lab, xp01):
    owner_client.post(reverse("action", args=[lab.pk, xp01.moid, "take-snapshot"]),
                      {"name": "Before patching", "description": "Clean install\r\nTools upgraded"})
    assert xp01.snapshots.get().description == "Clean install\r\nTools upgraded"


@pytest.mark.parametrize("iso, expected", [
    ("ISO/\u202eosi.exe", rules.iso_path_problems("ISO/\u202eosi.exe")),
    ("ISO/a\x00.iso", rules.iso_path_problems("ISO/a\x00.iso")),
    ("../etc/passwd.iso", rules.iso_path_problems("../etc/passwd.iso")),
    ("ISO/" + "x" * 120 + ".iso", ["The ISO file path must be 120 characters or fewer."]),
])
def test_the_iso_path_is_refused_by_the_page_and_a_script_alike(owner_client, lab, xp01, owner, iso, expected):
    shared = xp01.host.datastores.get(name="iscsi-vmfs01")
    form = {"num_cpu": "1", "memory_mb": "1024", "cpu_reservation_mhz": "0", "memory_reservation_mb": "0",
            "workload": "idle", f"disk_{xp01.disks.get().pk}": str(xp01.disks.get().capacity_mb),
            "add_disk_provisioning": "thin", "cdrom_datastore": shared.pk, "cdrom_iso": iso, "cdrom_connected": "on"}
    before = state()
    page = owner_client.post(reverse("action", args=[lab.pk, xp01.moid, "edit-settings"]), form,
                             headers={"HX-Request": "true"})
    assert page.status_code == 422 and page_messages(page) == expected
    cdrom = {"datastore": shared, "iso": iso, "connected": True}
    assert script_refusal(lambda: services.vm_reconfigure(vm=xp01, user=owner, cdrom=cdrom)) == expected
    assert state() == before


def test_a_new_disk_with_an_unknown_provisioning_is_refused(owner_client, lab, xp01, owner):
    before = state()
    form = {"num_cpu": "1", "memory_mb": "1024", "cpu_reservation_mhz": "0", "memory_reservation_mb": "0",
            "workload": "idle", f"disk_{xp01.disks.get().pk}": str(xp01.disks.get().capacity_mb),
            "add_disk_gb": "1", "add_disk_provisioning": "sparse"}
    page = owner_client.post(reverse("action", args=[lab.pk, xp01.moid, "edit-settings"]), form,
                             headers={"HX-Request": "true"})
    assert page.status_code == 422 and page_messages(page) == DISK_PROVISIONING.problems("sparse")
    assert state() == before


def test_the_dialog_offers_usable_objects_but_the_service_says_why_another_is_refused(owner_client, lab, esx02):
    """The New Virtual Machine dialog lists only usable hosts; a host it did not list (crafted
    POST, or one that went into maintenance meanwhile) gets the service's reason, as the API does."""
    Host.objects.filter(pk=esx02.pk).update(in_maintenance_mode=True)
    before = state()
    page = owner_client.post(reverse("action", args=[lab.pk, Datacenter.objects.get(lab=lab).moid, "new-vm"]),
                             vm_form(lab), headers={"HX-Request": "true"})
    assert page_messages(page) == ["Cannot create a virtual machine: host esx02.lab.local is in maintenance mode."]
    assert state() == before


def test_every_profile_and_preset_passes_its_own_rules():
    """The tables the lab ships with obey the rules the services apply to input."""
    for profile in PROFILES_BY_KEY.values():
        assert rules.host_spec_problems(profile.spec) == [], profile.key
    assert all(rules.scale_plan_problems(h, v, c) == [] for h, v, c in ((64, 640, 32), (1000, 10000, 32), (1, 0, 1)))
