"""A repeated POST must not do a thing twice: the Migrate wizard's Finish, sent twice at the same
moment (a double click without JavaScript, two tabs), starts one migration and refuses the other
cleanly. The service holds the VM's row while it checks that no task runs on it (require_idle)."""

import threading

import pytest
from django.test import Client
from django.urls import reverse

from operations.models import Task

FINISH = {"step": "ready", "type": "host", "priority": "high", "go": "finish"}


@pytest.mark.django_db(transaction=True)
def test_two_finishes_at_once_start_one_migration_and_refuse_the_other(lab, owner, web01, esx02):
    url = reverse("action", args=[lab.pk, web01.moid, "migrate"])
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(owner)
    start, answers = threading.Barrier(2), []

    def finish(client):
        start.wait()
        answers.append(client.post(url, {**FINISH, "host": esx02.pk}, HTTP_HX_REQUEST="true"))

    threads = [threading.Thread(target=finish, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 422]  # HX-Redirect to the VM, and the wizard saying why not
    refused = next(a for a in answers if a.status_code == 422).content.decode()
    assert "Another task is already in progress: Migrate virtual machine on W2K8-Web01" in refused
    assert Task.objects.filter(lab=lab, kind="vm.vmotion").count() == 1
