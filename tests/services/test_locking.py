"""The lab's transaction: what is retried, what a user is told, and that no database text reaches
them (operations/services/locking.py). The real races are in tests/races/."""

import logging

import pytest
from django.db import DatabaseError, OperationalError
from django.urls import reverse

from inventory import services
from inventory.models import Datacenter, VirtualMachine
from inventory.services.common import ensure_unique_name
from operations.faults import AlreadyExists, GeneralError, ResourceBusy
from operations.services import locking
from operations.services.locking import in_lab_transaction


class _PgError(Exception):
    """What psycopg raises under Django's OperationalError: it carries the SQLSTATE."""

    def __init__(self, sqlstate):
        super().__init__("deadlock detected DETAIL: Process 1 waits for ShareLock")
        self.sqlstate = sqlstate


def _deadlock() -> OperationalError:
    error = OperationalError("deadlock detected DETAIL: Process 1 waits for ShareLock")
    error.__cause__ = _PgError("40P01")
    return error


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_is_retried_and_the_second_attempt_commits(lab, owner):
    attempts = []

    def work():
        attempts.append(1)
        Datacenter.objects.create(lab=lab, name=f"Attempt {len(attempts)}")
        if len(attempts) == 1:
            raise _deadlock()
        return "done"

    assert in_lab_transaction(lab.pk, work) == "done"
    assert len(attempts) == 2
    # the first attempt's row went with its rollback
    assert list(Datacenter.objects.filter(lab=lab, name__startswith="Attempt").values_list("name", flat=True)) == [
        "Attempt 2"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("error", [_deadlock, lambda: OperationalError("database is locked")])
def test_a_lab_that_stays_busy_is_refused_after_a_few_attempts_and_nothing_changes(lab, error):
    attempts = []

    def work():
        attempts.append(1)
        Datacenter.objects.create(lab=lab, name=f"Attempt {len(attempts)}")
        raise error()

    with pytest.raises(ResourceBusy) as refused:
        in_lab_transaction(lab.pk, work)
    assert refused.value.messages == ["The lab is busy; try again."]
    assert refused.value.error_type == "RESOURCE_BUSY"
    assert len(attempts) == locking.ATTEMPTS
    assert not Datacenter.objects.filter(lab=lab, name__startswith="Attempt").exists()


@pytest.mark.django_db(transaction=True)
def test_another_database_error_is_a_general_error_logged_with_its_traceback(lab, caplog):
    def work():
        raise DatabaseError('relation "inventory_secret" does not exist')

    with caplog.at_level(logging.ERROR, logger="operations"), pytest.raises(GeneralError) as failed:
        in_lab_transaction(lab.pk, work)
    assert failed.value.messages == [locking.GENERAL]
    assert "inventory_secret" not in " ".join(failed.value.messages)
    assert any(r.exc_info and "inventory_secret" in str(r.exc_info[1]) for r in caplog.records)


def test_inside_another_transaction_the_outer_one_retries(lab):
    """A nested call (here inside the test's transaction) neither retries nor maps: the
    outermost unit of work does."""
    attempts = []

    def work():
        attempts.append(1)
        raise _deadlock()

    with pytest.raises(OperationalError):
        in_lab_transaction(lab.pk, work)
    assert len(attempts) == 1


def test_a_name_clash_the_check_did_not_see_is_already_exists_with_the_checks_message(lab, esx01, owner, monkeypatch):
    """The unique-name constraint refuses what a stale check let through: the user reads what the
    check says, not the database."""
    with pytest.raises(AlreadyExists) as checked:
        ensure_unique_name(VirtualMachine, lab=lab, name="w2k8-web01")
    # both reads (the check and the model's validation) ran before the other writer committed
    monkeypatch.setattr("inventory.services.vms.ensure_unique_name", lambda model, *, lab, name, **kw: name)
    monkeypatch.setattr("inventory.services.vms.validated", lambda obj: obj)
    with pytest.raises(AlreadyExists) as clashed:
        services.vm_create(host=esx01, name="w2k8-web01", user=owner, datastore=esx01.datastores.get(name="iscsi-vmfs01"),
                           network=esx01.portgroups.filter(network__isnull=False).first().network,
                           guest_os="rhel5_64Guest", num_cpu=1, memory_mb=512, disk_mb=1024, provisioning="thin")
    assert clashed.value.messages == checked.value.messages == ["The name 'w2k8-web01' already exists."]
    assert VirtualMachine.objects.filter(lab=lab, name__iexact="w2k8-web01").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_dialog_never_shows_database_text(lab, owner, client, monkeypatch):
    client.force_login(owner)
    datacenter = Datacenter.objects.get(lab=lab)

    def broken(**kwargs):
        raise DatabaseError('duplicate key value violates unique constraint "secret_idx"')

    monkeypatch.setattr("inventory.services.tree.record", broken)
    response = client.post(reverse("action", args=[lab.pk, datacenter.moid, "rename"]), {"name": "DC-2"},
                           HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 422
    assert "A general system error occurred" in page and "secret_idx" not in page and "duplicate key" not in page
    assert Datacenter.objects.get(pk=datacenter.pk).name == datacenter.name


def test_the_api_answers_a_stray_database_error_in_its_error_format(lab, owner, client, monkeypatch):
    client.force_login(owner)

    def broken(user):
        raise DatabaseError('could not serialize access: relation "secret_table"')

    monkeypatch.setattr("api.api.labs_visible_to", broken)
    response = client.get("/api/labs")
    assert response.status_code == 500
    assert response.json() == {"error_type": "ERROR", "messages": [
        {"id": "vcenter.lab.error", "default_message": locking.GENERAL}]}
