"""The host's menu commands (Disconnect, Connect, Enter and Exit Standby Mode, Reboot, Shut Down):
offered when they make sense, each posting its task; the Reboot and Shut Down dialogs ask for a
reason and warn when the host is not in maintenance mode; a refusal shows the service's words."""

import re

from django.urls import reverse

from inventory import services
from inventory.models import Host
from operations.engine.host_commands import CONNECT_S, SHUTDOWN_S, STANDBY_S
from operations.engine.monitor import BOOT_S
from operations.models import Event, Task
from tests.test_views import action


def menu(client, lab, host) -> list[str]:
    """The labels of the host's right-click menu, as shown."""
    html = client.get(reverse("menu", args=[lab.pk, host.moid])).content.decode()
    return [label.removesuffix("...") for label in re.findall(r'role="menuitem"[^>]*>([^<]+)<', html)]


def fresh(host) -> Host:
    return Host.objects.get(pk=host.pk)


def test_the_menu_offers_the_commands_that_make_sense(owner_client, lab, esx01):
    labels = menu(owner_client, lab, esx01)
    start = labels.index("Disconnect")
    assert labels[start:start + 4] == ["Disconnect", "Enter Standby Mode", "Reboot", "Shut Down"]  # one block
    assert "Exit Standby Mode" not in labels and "Connect" not in labels


def test_disconnect_then_connect(owner_client, lab, esx01, sim):
    assert "Disconnect the host?" in owner_client.get(action(lab, esx01, "disconnect")).content.decode()
    owner_client.post(action(lab, esx01, "disconnect"))
    sim.run(5)
    assert fresh(esx01).connection_state == "disconnected"
    labels = menu(owner_client, lab, esx01)
    assert "Connect" in labels and "Disconnect" not in labels and "Reboot" not in labels and "Remove" in labels
    owner_client.post(action(lab, esx01, "connect"))
    sim.run(CONNECT_S)
    assert fresh(esx01).connection_state == "connected"
    assert Task.objects.filter(lab=lab, name="Reconnect host", state="success").exists()


def test_reboot_dialog_asks_a_reason_and_warns_outside_maintenance_mode(owner_client, lab, esx01, sim):
    html = owner_client.get(action(lab, esx01, "reboot")).content.decode()
    assert "Enter a reason for this action" in html
    assert "The host esx01.lab.local is not in maintenance mode." in html
    owner_client.post(action(lab, esx01, "reboot"), {"reason": "New NIC"})
    sim.run(SHUTDOWN_S + BOOT_S)
    assert Task.objects.get(lab=lab, name="Reboot host").state == "success"
    assert Event.objects.get(lab=lab, type="HostShutdownEvent").message.endswith(": New NIC")


def test_shut_down_in_maintenance_mode_has_no_warning(owner_client, lab, esx02, xp01, sim, owner):
    services.host_enter_maintenance(host=esx02, user=owner)
    html = owner_client.get(action(lab, esx02, "shutdown")).content.decode()
    assert "Enter a reason for this action" in html and "is not in maintenance mode" not in html
    owner_client.post(action(lab, esx02, "shutdown"), {"reason": ""})
    sim.run(SHUTDOWN_S)
    assert fresh(esx02).power_state == "poweredOff"


def test_enter_standby_is_refused_with_the_services_words_and_exit_standby_wakes(owner_client, lab, esx01, esx02,
                                                                                sim):
    response = owner_client.post(action(lab, esx01, "enter-standby"))
    assert "has 2 powered-on virtual machine(s)" in response.content.decode()
    owner_client.post(action(lab, esx02, "enter-standby"))
    sim.run(STANDBY_S)
    assert fresh(esx02).power_state == "standBy"
    assert "Exit Standby Mode" in menu(owner_client, lab, esx02)
    owner_client.post(action(lab, esx02, "exit-standby"))
    sim.run(BOOT_S)
    assert fresh(esx02).power_state == "poweredOn"


def test_a_shut_down_host_is_powered_on_from_its_menu(owner_client, lab, esx02, xp01, sim, owner):
    assert "Power On" not in menu(owner_client, lab, esx02)  # a running host has nothing to power on
    owner_client.post(action(lab, esx02, "shutdown"), {"reason": "maintenance window"})
    sim.run(SHUTDOWN_S)
    assert fresh(esx02).power_state == "poweredOff"
    assert "Power On" in menu(owner_client, lab, esx02)
    owner_client.post(action(lab, esx02, "power-on-host"))
    sim.run(5)
    assert "Power On" not in menu(owner_client, lab, esx02), "it boots already"
    sim.run(BOOT_S)
    host = fresh(esx02)
    assert (host.power_state, host.connection_state) == ("poweredOn", "connected")
    assert "Power On" not in menu(owner_client, lab, esx02)
