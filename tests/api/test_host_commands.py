"""POST /api/labs/{lab}/vcenter/host/{host}?action=...: the host commands, as tasks, with the
services' refusals in the API's error style."""

from operations.engine.host_commands import SHUTDOWN_S
from operations.engine.monitor import BOOT_S
from operations.models import Event, Input, Task
from tests.api.test_api import errors_of, vc


def test_reboot_answers_a_task_that_ends_with_the_host_back(api, lab, esx01, sim):
    response = api.post(vc(lab, f"/host/{esx01.moid}"), {"reason": "Firmware"}, action="reboot")
    assert response.status_code == 202
    task = api.get(f"/labs/{lab.moid}/tasks/{response.json()['task']}").json()
    assert (task["description"], task["state"]) == ("Reboot host", "QUEUED")
    sim.run(SHUTDOWN_S)
    assert api.get(vc(lab, f"/host/{esx01.moid}")).json()["power_state"] == "POWERED_OFF"
    sim.run(BOOT_S)
    host = api.get(vc(lab, f"/host/{esx01.moid}")).json()
    assert (host["power_state"], host["connection_state"]) == ("POWERED_ON", "CONNECTED")
    assert Task.objects.get(name="Reboot host").state == "success"
    assert Event.objects.get(type="HostShutdownEvent").message.endswith(": Firmware")


def test_the_body_is_optional(api, client, lab, esx01, sim, token_for, owner):
    response = client.post(f"/api{vc(lab, f'/host/{esx01.moid}')}?action=disconnect", "",
                           content_type="application/json", HTTP_VMWARE_API_SESSION_ID=token_for(owner))
    assert response.status_code == 202, response.content
    sim.run(5)
    assert api.get(vc(lab, f"/host/{esx01.moid}")).json()["connection_state"] == "DISCONNECTED"


def test_refusals_come_in_the_api_error_style_and_write_nothing(api, lab, esx01, web01):
    response = api.post(vc(lab, f"/host/{esx01.moid}"), action="enter-standby")
    assert response.status_code == 400
    assert errors_of(response) == ("NOT_ALLOWED_IN_CURRENT_STATE", [
        "Host esx01.lab.local has 2 powered-on virtual machine(s): power them off or migrate them before it enters "
        "standby mode."])
    unknown = api.post(vc(lab, f"/host/{esx01.moid}"), action="explode")
    assert unknown.status_code == 400
    extra = api.post(vc(lab, f"/host/{esx01.moid}"), {"why": "x"}, action="reboot")
    assert extra.status_code == 400
    assert not Task.objects.filter(name__in=["Enter standby mode", "Reboot host"]).exists()
    assert not Input.objects.exists()
