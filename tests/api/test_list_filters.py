"""List endpoints filter as vSphere REST 7 does (repeatable query parameters, every given filter
must match), the VM list stops at vCenter's 4,000 with its error, and limit/after page any list."""

import pytest

from inventory.models import Cluster, Host, VirtualMachine
from inventory.presets import lab_create


def vc(lab, path=""):
    return f"/labs/{lab.moid}/vcenter{path}"


def names(response):
    assert response.status_code == 200, response.content
    return sorted(x["name"] for x in response.json())


def test_vms_filter_by_names_hosts_power_states_clusters_and_datacenters(api, lab, esx01, esx02, owner):
    assert names(api.get(vc(lab, "/vm"))) == ["RHEL5-DB01", "W2K8-Web01", "XP-Client01"]
    assert names(api.get(vc(lab, "/vm"), names=["XP-Client01", "RHEL5-DB01"])) == ["RHEL5-DB01", "XP-Client01"]
    assert names(api.get(vc(lab, "/vm"), hosts=[esx01.moid])) == ["RHEL5-DB01", "W2K8-Web01"]
    assert names(api.get(vc(lab, "/vm"), power_states=["POWERED_OFF"])) == ["XP-Client01"]
    assert names(api.get(vc(lab, "/vm"), power_states=["POWERED_ON", "POWERED_OFF"])) == [
        "RHEL5-DB01", "W2K8-Web01", "XP-Client01"]
    # every filter given must match
    assert names(api.get(vc(lab, "/vm"), hosts=[esx01.moid], power_states=["POWERED_OFF"])) == []
    datacenter = f"datacenter-{esx01.datacenter_id}"
    assert len(names(api.get(vc(lab, "/vm"), datacenters=[datacenter]))) == 3
    assert names(api.get(vc(lab, "/vm"), datacenters=["datacenter-999999"])) == []
    cluster = Cluster.objects.create(lab=lab, datacenter_id=esx02.datacenter_id, name="C1")
    Host.objects.filter(pk=esx02.pk).update(cluster=cluster)
    assert names(api.get(vc(lab, "/vm"), clusters=[cluster.moid])) == ["XP-Client01"]


def test_filters_refuse_bad_values_with_invalid_argument(api, lab):
    for params in ({"power_states": ["ON"]}, {"hosts": ["esx01"]}, {"clusters": ["domain-cX"]},
                   {"names": ["a\x00b"]}, {"limit": 0}, {"after": "host-3"}):
        response = api.get(vc(lab, "/vm"), **params)
        assert response.status_code == 400 and response.json()["error_type"] == "INVALID_ARGUMENT", params


def test_hosts_datastores_and_networks_filter_by_name(api, lab, esx01, esx02):
    assert names(api.get(vc(lab, "/host"), names=["esx02.lab.local"])) == ["esx02.lab.local"]
    assert names(api.get(vc(lab, "/host"), connection_states=["CONNECTED"])) == ["esx01.lab.local", "esx02.lab.local"]
    Host.objects.filter(pk=esx02.pk).update(connection_state="notResponding")
    assert names(api.get(vc(lab, "/host"), connection_states=["NOT_RESPONDING"])) == ["esx02.lab.local"]
    assert names(api.get(vc(lab, "/datastore"), names=["iscsi-vmfs01"])) == ["iscsi-vmfs01"]
    assert names(api.get(vc(lab, "/network"), names=["VM Network"])) == ["VM Network"]
    assert names(api.get(vc(lab, "/network"), names=["nope"])) == []


def test_enumerations_are_enums_in_the_openapi_schema(client):
    schema = client.get("/api/openapi.json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/labs/{lab}/vcenter/vm"]["get"]["parameters"]}
    assert parameters["power_states"]["schema"]["items"]["enum"] == ["POWERED_ON", "POWERED_OFF", "SUSPENDED"]
    assert {"names", "hosts", "clusters", "datacenters", "limit", "after"} <= set(parameters)
    hosts = {p["name"]: p for p in schema["paths"]["/api/labs/{lab}/vcenter/host"]["get"]["parameters"]}
    assert hosts["connection_states"]["schema"]["items"]["enum"] == ["CONNECTED", "DISCONNECTED", "NOT_RESPONDING"]


@pytest.fixture
def big_lab(owner):
    # 4,001 VMs: one more than vCenter's list answers
    return lab_create(owner=owner, preset="scale", name="Big", hosts=20, vms=4001, cluster_size=8, quota=False)


def test_more_than_4000_vms_answer_vcenters_error_and_paging_reads_them_all(api, big_lab):
    response = api.get(vc(big_lab, "/vm"))
    assert response.status_code == 400
    assert response.json()["error_type"] == "UNABLE_TO_ALLOCATE_RESOURCE"
    assert response.json()["messages"][0]["default_message"] == (
        "Too many virtual machines. Add more filter criteria to reduce the number.")
    # a filter that brings it under the cap answers
    host = Host.objects.filter(lab=big_lab).order_by("pk").first()
    assert len(names(api.get(vc(big_lab, "/vm"), hosts=[host.moid]))) == 201
    # limit/after: pages in id order, each after the last id of the previous one, every VM once
    seen, after = [], None
    while True:
        page = api.get(vc(big_lab, "/vm"), limit=1500, **({"after": after} if after else {})).json()
        seen += [v["vm"] for v in page]
        if len(page) < 1500:
            break
        after = page[-1]["vm"]
    expected = [f"vm-{pk}" for pk in VirtualMachine.objects.filter(lab=big_lab).order_by("pk").values_list("pk", flat=True)]
    assert seen == expected and len(seen) == 4001


def test_paging_hosts_in_id_order(api, big_lab):
    first = api.get(vc(big_lab, "/host"), limit=7).json()
    rest = api.get(vc(big_lab, "/host"), after=first[-1]["host"]).json()
    assert len(first) == 7 and len(rest) == 13
    assert [h["host"] for h in first + rest] == [h.moid for h in Host.objects.filter(lab=big_lab).order_by("pk")]
