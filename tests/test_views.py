"""The dashboard as a user drives it: pages show vSphere's figures, dialogs validate, commands act."""

import pytest
from django.test import Client
from django.urls import reverse

from inventory.models import Cluster, Datacenter, Host, Lab, VirtualMachine
from operations.models import Event, Task


def action(lab, obj, slug):
    return reverse("action", args=[lab.pk, obj.moid, slug])


def tab_body(response) -> str:
    """The selected tab's content, without the tree and the Recent Tasks panel around it."""
    html = response.content.decode()
    return html.split('role="tabpanel"', 1)[1].split('id="recent-tasks"', 1)[0]


def test_login_page_and_login(client, owner):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 302 and response.url == reverse("home")


def test_the_lab_page_shows_the_tree_and_recent_tasks(owner_client, lab):
    html = owner_client.get(reverse("lab", args=[lab.pk])).content.decode()
    for text in ("esx01.lab.local", "esx02.lab.local", "W2K8-Web01", "XP-Client01", "Datacenter", "Recent Tasks",
                 "Hosts and Clusters", "2010/02/10 09:00:00"):
        assert text in html


def test_host_summary_shows_capacity_usage_datastores_and_vmkernel_ports(owner_client, lab, esx01):
    html = owner_client.get(reverse("object", args=[lab.pk, esx01.moid])).content.decode()
    for text in ("PowerEdge R805", "12 CPUs x 2.60 GHz", "32.00 GB", "VMware ESXi 4.0.0 build-208167",
                 "CPU usage", "Memory usage", "iscsi-vmfs01", "VMkernel ports", "vmk1", "10.0.0.11", "Connected"):
        assert text in html, text


def test_vm_summary_shows_host_datastore_and_disk_provisioning(owner_client, lab, xp01):
    html = owner_client.get(reverse("object", args=[lab.pk, xp01.moid])).content.decode()
    for text in ("esx02.lab.local", "iscsi-vmfs01", "Microsoft Windows XP Professional (32-bit)", "1 vCPU",
                 "1.00 GB", "Thin Provision", "Powered Off", "6.50 GB"):
        assert text in html, text


def test_datastore_summary_shows_capacity_and_free_space(owner_client, lab, web01):
    html = owner_client.get(reverse("object", args=[lab.pk, web01.datastore.moid])).content.decode()
    assert "500.00 GB" in html and "392.91 GB" in html and "esx01.lab.local" in html


def test_cluster_summary_shows_totals(owner_client, lab, esx01, esx02):
    cluster = Cluster.objects.create(lab=lab, datacenter=esx01.datacenter, name="Prod")
    Host.objects.filter(pk__in=[esx01.pk, esx02.pk]).update(cluster=cluster)
    html = owner_client.get(reverse("object", args=[lab.pk, cluster.moid])).content.decode()
    assert "62.40 GHz" in html and "64.00 GB" in html and "24" in html and "3 (2 powered on)" in html


def test_new_cluster_dialog_creates_the_cluster(owner_client, lab):
    dc = Datacenter.objects.get(lab=lab)
    response = owner_client.post(action(lab, dc, "new-cluster"), {"name": "Cluster01", "ha_enabled": "on"})
    cluster = Cluster.objects.get(lab=lab, name="Cluster01")
    assert response.status_code == 302 and response.url == reverse("object", args=[lab.pk, cluster.moid])
    assert cluster.ha_enabled and Task.objects.filter(name="Create cluster").exists()


def test_an_htmx_dialog_redirects_the_page_on_success(owner_client, lab):
    dc = Datacenter.objects.get(lab=lab)
    response = owner_client.post(action(lab, dc, "new-cluster"), {"name": "C2"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Redirect"].startswith(f"/labs/{lab.moid}/domain-c")


def test_a_duplicate_name_comes_back_with_vspheres_message_and_changes_nothing(owner_client, lab):
    dc = Datacenter.objects.get(lab=lab)
    owner_client.post(action(lab, dc, "new-cluster"), {"name": "Cluster01"})
    events = Event.objects.count()
    response = owner_client.post(action(lab, dc, "new-cluster"), {"name": "CLUSTER01"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "The name &#x27;CLUSTER01&#x27; already exists." in response.content.decode()
    assert Cluster.objects.filter(lab=lab).count() == 1 and Event.objects.count() == events


@pytest.mark.parametrize("data, message", [
    ({"num_cpu": "99"}, "The number of virtual processors must be between 1 and 8."),
    ({"memory_mb": "1000000000000000000000000"}, "Memory must be between 4 MB and 261,120 MB."),
    ({"memory_mb": "1023"}, "Memory must be a multiple of 4 MB."),
    ({"memory_mb": "lots"}, "Memory (MB) must be a whole number."),
    ({"cpu_reservation_mhz": "-5"}, "The CPU reservation must be between 0 MHz and 1,000,000 MHz."),
])
def test_edit_settings_refuses_bad_values_without_changing_the_vm(owner_client, lab, xp01, data, message):
    form = {"num_cpu": "1", "memory_mb": "1024", "cpu_reservation_mhz": "0", "memory_reservation_mb": "0",
            "workload": "idle", f"disk_{xp01.disks.get().pk}": str(16 * 1024), "add_disk_provisioning": "thin"}
    form.update(data)
    response = owner_client.post(action(lab, xp01, "edit-settings"), form)
    assert response.status_code == 422
    assert message in response.content.decode()
    xp01.refresh_from_db()
    assert (xp01.num_cpu, xp01.memory_mb, xp01.cpu_reservation_mhz) == (1, 1024, 0)


def test_edit_settings_changes_hardware_and_adds_a_disk(owner_client, lab, xp01):
    form = {"num_cpu": "2", "memory_mb": "2048", "cpu_reservation_mhz": "500", "memory_reservation_mb": "512",
            "workload": "web", f"disk_{xp01.disks.get().pk}": str(20 * 1024), "add_disk_gb": "10",
            "add_disk_provisioning": "thin"}
    assert owner_client.post(action(lab, xp01, "edit-settings"), form).status_code == 302
    xp01.refresh_from_db()
    assert (xp01.num_cpu, xp01.memory_mb, xp01.cpu_reservation_mhz, xp01.workload) == (2, 2048, 500, "web")
    assert list(xp01.disks.values_list("label", "capacity_mb")) == [("Hard disk 1", 20 * 1024), ("Hard disk 2", 10 * 1024)]


def test_a_refusal_inside_edit_settings_rolls_back_the_whole_dialog(owner_client, lab, web01):
    form = {"num_cpu": "1", "memory_mb": "2048", "cpu_reservation_mhz": "100", "memory_reservation_mb": "0",
            "workload": "web", f"disk_{web01.disks.get().pk}": str(40 * 1024), "add_disk_gb": "2000",
            "add_disk_provisioning": "lazyZeroedThick"}
    response = owner_client.post(action(lab, web01, "edit-settings"), form)
    assert response.status_code == 422 and "Insufficient disk space" in response.content.decode()
    web01.refresh_from_db()
    assert web01.cpu_reservation_mhz == 0 and web01.disks.count() == 1


def test_add_host_with_a_profile_and_with_explicit_specs(owner_client, lab):
    dc = Datacenter.objects.get(lab=lab)
    owner_client.post(action(lab, dc, "add-host"), {"name": "esx03.lab.local", "hardware": "r710-x5570-48",
                                                    "esx_version": "4.1.0", "shared_storage": "on", "vmotion": "on"})
    host = Host.objects.get(lab=lab, name="esx03.lab.local")
    assert (host.cpu_vendor, host.memory_mb, host.esx_build) == ("intel", 48 * 1024, "260247")
    owner_client.post(action(lab, dc, "add-host"), {
        "name": "esx04.lab.local", "hardware": "custom", "esx_version": "4.0.0",
        "cpu": "amd|Six-Core AMD Opteron(tm) Processor 2435", "vendor": "Whitebox", "model": "Lab server",
        "sockets": "1", "cores_per_socket": "6", "cpu_mhz": "2200", "memory_gb": "16"})
    custom = Host.objects.get(lab=lab, name="esx04.lab.local")
    assert (custom.vendor, custom.cpu_total_mhz, custom.memory_mb, custom.evc_max) == ("Whitebox", 6 * 2200, 16 * 1024, "amd-greyhound")
    assert not custom.datastores.filter(name="iscsi-vmfs01").exists()  # shared storage left unticked


@pytest.mark.parametrize("name", ["bad host!", "-esx", "a" * 90, ""])
def test_add_host_refuses_a_bad_host_name(owner_client, lab, name):
    dc = Datacenter.objects.get(lab=lab)
    count = Host.objects.count()
    response = owner_client.post(action(lab, dc, "add-host"), {"name": name, "hardware": "r805-2435-32", "esx_version": "4.0.0"})
    assert response.status_code == 422 and Host.objects.count() == count


def test_new_vm_dialog_offers_only_what_the_host_sees_and_creates_the_vm(owner_client, lab, esx02):
    html = owner_client.get(action(lab, esx02, "new-vm")).content.decode()
    assert "datastore1 (1)" in html and ">datastore1<" not in html  # esx01's local datastore is not offered
    shared = esx02.datastores.get(name="iscsi-vmfs01")
    network = esx02.portgroups.get(name="VM Network").network
    response = owner_client.post(action(lab, esx02, "new-vm"), {
        "name": "Ubuntu01", "host": esx02.pk, "datastore": shared.pk, "guest_os": "ubuntu64Guest", "num_cpu": "1",
        "memory_mb": "512", "disk_gb": "8", "provisioning": "thin", "network": network.pk, "workload": "idle"})
    vm = VirtualMachine.objects.get(lab=lab, name="Ubuntu01")
    assert response.url == reverse("object", args=[lab.pk, vm.moid]) and vm.host == esx02


def test_power_buttons_act_and_a_refusal_is_shown_on_the_page(owner_client, lab, web01, xp01, sim):
    owner_client.post(action(lab, xp01, "power-on"))
    sim.run(2)
    xp01.refresh_from_db()
    assert xp01.power_state == "poweredOn"
    response = owner_client.post(action(lab, xp01, "power-on"), follow=True)
    assert "XP-Client01 is already powered on." in response.content.decode()
    owner_client.post(action(lab, web01, "reset"))
    sim.run(2)
    owner_client.post(action(lab, web01, "power-off"))
    sim.run(2)
    web01.refresh_from_db()
    assert web01.power_state == "poweredOff"
    assert Task.objects.filter(lab=lab, name="Reset virtual machine").exists()


def test_move_host_menu_action_is_the_keyboard_alternative_to_drag_and_drop(owner_client, lab, esx01):
    cluster = Cluster.objects.create(lab=lab, datacenter=esx01.datacenter, name="Prod")
    html = owner_client.get(action(lab, esx01, "move")).content.decode()
    assert "Cluster Prod" in html
    owner_client.post(action(lab, esx01, "move"), {"destination": cluster.moid})
    esx01.refresh_from_db()
    assert esx01.cluster == cluster


def test_move_refusal_returns_the_dialog_with_the_reason(owner_client, lab, esx01):
    cluster = Cluster.objects.create(lab=lab, datacenter=esx01.datacenter, name="Prod")
    owner_client.post(action(lab, esx01, "move"), {"destination": cluster.moid})
    response = owner_client.post(action(lab, esx01, "move"), {"destination": esx01.datacenter.moid},
                                 headers={"HX-Request": "true"})
    assert response.status_code == 422 and "must be in maintenance mode" in response.content.decode()


def test_snapshot_rename_and_remove_dialogs(owner_client, lab, xp01):
    owner_client.post(action(lab, xp01, "take-snapshot"), {"name": "clean install", "description": ""})
    assert xp01.snapshots.get().name == "clean install"
    owner_client.post(action(lab, xp01, "delete-snapshot"), {"snapshot": xp01.snapshots.get().pk})
    assert not xp01.snapshots.exists()
    owner_client.post(action(lab, xp01, "rename"), {"name": "XP-Renamed"})
    xp01.refresh_from_db()
    assert xp01.name == "XP-Renamed"
    response = owner_client.post(action(lab, xp01, "remove-from-inventory"))
    assert response.url == reverse("object", args=[lab.pk, xp01.host.moid])
    assert not VirtualMachine.objects.filter(pk=xp01.pk).exists()


def test_new_lab_from_the_home_page(owner_client, owner):
    response = owner_client.post(reverse("lab-new"), {"preset": "classroom", "name": ""})
    lab = Lab.objects.get(owner=owner, preset="classroom")
    assert response.url == reverse("lab", args=[lab.pk]) and lab.name == "Classroom"


@pytest.mark.parametrize("data, message", [
    ({"preset": "bogus"}, "Unknown preset &#x27;bogus&#x27;"),
    ({"preset": "scale", "hosts": "5000"}, "Hosts must be between 1 and 1000 (the vCenter 4.1 maximum)."),
    ({"preset": "scale", "hosts": "2", "vms": "1000", "cluster_size": "2"}, "320 VMs per host"),
])
def test_new_lab_refuses_bad_input(owner_client, data, message):
    response = owner_client.post(reverse("lab-new"), data)
    assert response.status_code == 422 and message in response.content.decode()
    assert not Lab.objects.exists()


def test_posts_need_a_csrf_token(owner, lab, xp01):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(action(lab, xp01, "power-on")).status_code == 403
    xp01.refresh_from_db()
    assert xp01.power_state == "poweredOff"


@pytest.mark.parametrize("path", ["vm-99999999", "vm-abc", "host-", "bogus-1", "vm-1/nosuchtab", "vm-1/actions/explode"])
def test_unknown_objects_tabs_and_commands_are_404_not_500(owner_client, lab, path):
    assert owner_client.get(f"/labs/{lab.pk}/{path}/").status_code == 404


def test_an_oversized_post_is_refused(owner_client, lab, xp01):
    response = owner_client.post(action(lab, xp01, "rename"), {"name": "x" * 300_000})
    assert response.status_code == 400
    xp01.refresh_from_db()
    assert xp01.name == "XP-Client01"


def test_tasks_and_events_tab_lists_the_objects_history(owner_client, lab, xp01, sim):
    owner_client.post(action(lab, xp01, "power-on"))
    sim.run(2)
    html = tab_body(owner_client.get(reverse("object-tab", args=[lab.pk, xp01.host.moid, "tasks"])))
    assert "Power On virtual machine" in html and "XP-Client01 on esx02.lab.local in Datacenter is powered on" in html
    esx01 = Host.objects.get(lab=lab, name="esx01.lab.local")
    assert "Power On virtual machine" not in tab_body(owner_client.get(reverse("object-tab", args=[lab.pk, esx01.moid, "tasks"])))
