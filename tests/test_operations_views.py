from django.urls import reverse

from inventory.models import Lab
from operations.models import Task
from operations.services.migrate import vm_migrate
from tests.conftest import vm_named


def wizard(lab, vm):
    return reverse("action", args=[lab.pk, vm.moid, "migrate"])


def test_the_migrate_wizard_walks_type_destination_priority_summary_and_starts_a_task(owner_client, lab, web01, esx02, sim):
    url = wizard(lab, web01)
    page = owner_client.get(url).content.decode()
    assert "Select Migration Type" in page and "Change host" in page
    page = owner_client.post(url, {"step": "type", "type": "host", "go": "next"}).content.decode()
    assert "Select the destination host" in page and "esx02.lab.local" in page
    page = owner_client.post(url, {"step": "host", "type": "host", "host": esx02.pk, "go": "check"}).content.decode()
    assert "Validation succeeded" in page
    page = owner_client.post(url, {"step": "host", "type": "host", "host": esx02.pk, "go": "next"}).content.decode()
    assert "Reserve CPU for optimal VMotion performance" in page
    page = owner_client.post(url, {"step": "priority", "type": "host", "host": esx02.pk, "priority": "low",
                                   "go": "next"}).content.decode()
    assert "Ready to Complete" in page and "Perform with available CPU resources" in page and "VMotion" in page
    assert not Task.objects.filter(kind="vm.vmotion").exists()
    response = owner_client.post(url, {"step": "ready", "type": "host", "host": esx02.pk, "priority": "low",
                                       "go": "finish"})
    assert response.status_code == 302
    task = Task.objects.get(kind="vm.vmotion")
    assert task.params["priority"] == "low" and task.initiator_name == "alice"


def test_an_incompatible_destination_blocks_next_with_the_reason(owner_client, lab, web01, esx02):
    esx02.vmknics.update(vmotion=False)
    response = owner_client.post(wizard(lab, web01), {"step": "host", "type": "host", "host": esx02.pk, "go": "next"})
    page = response.content.decode()
    assert response.status_code == 422 and "has no VMkernel port enabled for VMotion" in page
    assert "Select Destination" in page and not Task.objects.exists()


def test_finishing_while_another_task_runs_says_so_and_changes_nothing(owner_client, lab, web01, esx02, owner):
    vm_migrate(vm=web01, host=esx02, user=owner)
    response = owner_client.post(wizard(lab, web01), {"step": "ready", "type": "host", "host": esx02.pk,
                                                      "priority": "high", "go": "finish"})
    assert response.status_code == 422 and "Another task is already in progress" in response.content.decode()
    assert Task.objects.filter(kind="vm.vmotion").count() == 1


def test_recent_tasks_shows_progress_and_phase_and_cancel_works(owner_client, lab, web01, esx02, owner, sim):
    task = vm_migrate(vm=web01, host=esx02, user=owner)
    sim.run(10)
    panel = owner_client.get(reverse("recent-tasks", args=[lab.pk])).content.decode()
    assert 'role="progressbar"' in panel and "Pre-copy round 1" in panel and "Cancel" in panel
    owner_client.post(reverse("task-cancel", args=[lab.pk, task.pk]))
    sim.run(1)
    task.refresh_from_db()
    assert task.state == "error" and task.error_message == "The task was canceled by a user."
    assert vm_named(lab, "W2K8-Web01").host.name == "esx01.lab.local"


def test_the_console_title_names_the_host_and_follows_a_vmotion(owner_client, lab, web01, esx02, owner, sim):
    url = reverse("console", args=[lab.pk, web01.moid])
    assert "W2K8-Web01 on esx01.lab.local" in owner_client.get(url).content.decode()
    vm_migrate(vm=web01, host=esx02, user=owner)
    sim.run(40, step=5)
    screen = owner_client.get(reverse("console-screen", args=[lab.pk, web01.moid])).content.decode()
    assert "W2K8-Web01 on esx02.lab.local" in screen
    assert "connected for" in screen and "the guest was stunned" in screen and 'class="blip"' in screen


def test_a_reset_loses_the_session_and_shows_the_boot(owner_client, lab, web01, owner, sim):
    from operations.services.power import vm_power

    vm_power(vm=web01, action="reset", user=owner)
    sim.run(3)
    screen = owner_client.get(reverse("console-screen", args=[lab.pk, web01.moid])).content.decode()
    assert "PhoenixBIOS" in screen and "connection lost: the guest restarted" in screen
    assert 'class="ok"' in screen and 'class="lost"' in screen  # replies until the reset, then none
    sim.run(60, step=5)
    screen = owner_client.get(reverse("console-screen", args=[lab.pk, web01.moid])).content.decode()
    assert "Press CTRL + ALT + DELETE to log on" in screen and "connected for" in screen


def test_a_stranger_gets_no_console_and_cannot_cancel(client, stranger, lab, web01, esx02, owner):
    task = vm_migrate(vm=web01, host=esx02, user=owner)
    client.force_login(stranger)
    assert client.get(reverse("console", args=[lab.pk, web01.moid])).status_code == 404
    assert client.post(reverse("task-cancel", args=[lab.pk, task.pk])).status_code == 404
    assert not Task.objects.get(pk=task.pk).cancel_requested


def test_only_the_owner_and_instructors_control_the_clock(client, lab, member, instructor):
    url = reverse("clock", args=[lab.pk])
    client.force_login(member)
    response = client.post(url, {"action": "speed", "speed": "10"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "Only the owner" in response.content.decode()
    assert Lab.objects.get(pk=lab.pk).clock_speed == 1
    client.force_login(instructor)
    client.post(url, {"action": "speed", "speed": "100"})
    client.post(url, {"action": "advance", "seconds": "60"})
    after = Lab.objects.get(pk=lab.pk)
    assert after.clock_speed == 100 and after.sim_seconds == lab.sim_seconds + 60


def test_bad_clock_input_is_refused_with_a_message(owner_client, lab):
    url = reverse("clock", args=[lab.pk])
    for data in ({"action": "speed", "speed": "1000"}, {"action": "speed", "speed": "fast"},
                 {"action": "advance", "seconds": "-5"}, {"action": "advance", "seconds": "x"}):
        response = owner_client.post(url, data, HTTP_HX_REQUEST="true")
        assert response.status_code == 422, data
    assert Lab.objects.get(pk=lab.pk).clock_speed == 1 and Lab.objects.get(pk=lab.pk).sim_seconds == lab.sim_seconds


def test_the_vm_maps_tab_shows_where_vmotion_could_go_and_why_not(owner_client, lab, web01, esx02):
    esx02.vmknics.update(vmotion=False)
    page = owner_client.get(reverse("object-tab", args=[lab.pk, web01.moid, "maps"])).content.decode()
    assert "VMotion Resources" in page and "Current host" in page
    assert "Incompatible" in page and "esx02.lab.local has no VMkernel port enabled for VMotion" in page
    # the VM's own map, as vSphere's VMotion Resources view: not the datacenter's (its Maps tab has it)
    assert 'id="vm-reach"' in page and f'data-widget="reach:{web01.pk}"' in page and 'id="lab-map"' not in page


def test_the_host_performance_chart_shows_vmotion_traffic_while_a_vm_migrates(owner_client, lab, web01, esx01, esx02,
                                                                             owner, sim):
    url = reverse("performance-charts", args=[lab.pk, esx01.moid])
    assert "VMotion: 0" in owner_client.get(url).content.decode()
    vm_migrate(vm=web01, host=esx02, user=owner)
    sim.run(20)
    charts = owner_client.get(url).content.decode()
    assert "VMotion: 880" in charts  # 110 MB/s on 1 GbE = 880 Mbit/s, on the source's chart
    tab = owner_client.get(reverse("object-tab", args=[lab.pk, esx01.moid, "performance"])).content.decode()
    assert "CPU" in tab and "Memory" in tab and "FT logging" in tab


def test_summary_console_and_api_agree_while_the_guest_shuts_down(owner_client, lab, web01, owner, sim):
    from operations.services.power import vm_power

    vm_power(vm=web01, action="shutdown", user=owner)
    sim.run(3)
    summary = owner_client.get(reverse("object", args=[lab.pk, web01.moid])).content.decode()
    screen = owner_client.get(reverse("console-screen", args=[lab.pk, web01.moid])).content.decode()
    api = owner_client.get(f"/api/labs/{lab.moid}/vcenter/vm/{web01.moid}").json()
    assert "guest shutting down" in summary and "Shutting down" in screen and api["guest_state"] == "SHUTTING_DOWN"
