"""A request carrying the session-token header is decided by the token alone: a bad or expired
token is UNAUTHENTICATED on every method (not a CSRF failure); reading does not write the session
row every time."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from api.models import IDLE_LIMIT, ApiSession


def every_operation(client):
    schema = client.get("/api/openapi.json").json()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if path != "/api/session" or method == "delete":
                yield method, re.sub(r"\{\w+\}", "x-1", path)


def send(client, method, path, **headers):
    if method == "get":
        return client.get(path, **headers)
    return getattr(client, method)(path, "{}", content_type="application/json", **headers)


@pytest.mark.parametrize("token", ["forged", "", "0" * 40])
def test_a_bad_token_is_unauthenticated_on_every_method_even_with_a_browser_session(owner, token):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)  # a logged-in browser session must not rescue (or CSRF-fail) a bad token
    operations = list(every_operation(browser))
    assert {m for m, _ in operations} == {"get", "post", "patch", "delete"}
    for method, path in operations:
        response = send(browser, method, path, HTTP_VMWARE_API_SESSION_ID=token)
        assert response.status_code == 401, (method, path, response.content)
        assert response.json()["error_type"] == "UNAUTHENTICATED"


def test_an_expired_token_is_unauthenticated(client, api, owner, lab):
    ApiSession.objects.update(last_used_at=timezone.now() - IDLE_LIMIT - timezone.timedelta(seconds=1))
    for method, path in (("get", "/api/labs"), ("post", f"/api/labs/{lab.moid}/vcenter/datacenter"),
                         ("patch", f"/api/labs/{lab.moid}/clock"), ("delete", "/api/session")):
        response = send(client, method, path, **api.headers)
        assert response.status_code == 401 and response.json()["error_type"] == "UNAUTHENTICATED", method


def test_anonymous_writes_are_unauthenticated_not_csrf_failures(lab):
    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post(f"/api/labs/{lab.moid}/vcenter/datacenter", {"name": "x"}, content_type="application/json")
    assert response.status_code == 401 and response.json()["error_type"] == "UNAUTHENTICATED"


def test_reads_do_not_write_the_session_row_each_time(api, lab, django_assert_num_queries):
    session = ApiSession.objects.get()
    recent = timezone.now() - timezone.timedelta(minutes=1)
    ApiSession.objects.update(last_used_at=recent)
    for _ in range(3):
        assert api.get("/labs").status_code == 200
    session.refresh_from_db()
    assert session.last_used_at == recent  # used a minute ago: not written again
    ApiSession.objects.update(last_used_at=timezone.now() - timezone.timedelta(minutes=6))
    assert api.get("/labs").status_code == 200
    session.refresh_from_db()
    assert timezone.now() - session.last_used_at < timezone.timedelta(seconds=5)  # older than 5 min: touched
