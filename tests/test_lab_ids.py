"""A lab has one id everywhere: `lab-3` in the API, the page URLs and createlab's output; page URLs
and runscenario also take the bare number."""

import io

from django.core.management import call_command
from django.urls import reverse


def test_page_urls_use_the_lab_s_id_and_take_the_bare_number(owner_client, lab):
    assert reverse("lab", args=[lab.pk]) == f"/labs/{lab.moid}/"
    page = owner_client.get(f"/labs/{lab.moid}/")
    assert page.status_code == 200
    assert f'href="/labs/{lab.moid}/' in page.content.decode()  # the links it shows name it the same way
    assert owner_client.get(f"/labs/{lab.pk}/").status_code == 200
    assert owner_client.get(f"/labs/lab-{lab.pk}x/").status_code == 404


def test_the_api_names_the_lab_as_the_pages_do(owner_client, lab):
    listed = owner_client.get("/api/labs").json()
    assert [x["lab"] for x in listed] == [lab.moid]


def test_runscenario_takes_either_form(lab, tmp_path):
    script = tmp_path / "check.scenario"
    script.write_text("at 00:00 expect host esx01.lab.local connection connected power on\n")
    for given in (lab.moid, str(lab.pk)):
        out = io.StringIO()
        call_command("runscenario", str(script), "--lab", given, stdout=out)
        assert "ScenarioEndedEvent" in out.getvalue() and "passed" in out.getvalue()
