"""A NUL byte in a URL path is a clean 404 (the API's format under /api/), never a 500 from the
database; a server error is logged with its traceback and answered without one."""

import io
import logging

import pytest


@pytest.mark.parametrize("path", ["/labs/%00/", "/labs/1/vm-1%00/", "/%00", "/login/%00"])
def test_a_nul_in_a_page_path_is_not_found(owner_client, path):
    response = owner_client.get(path)
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_nul_in_an_api_path_is_not_found_in_the_api_format(api, lab, esx01):
    # a host's VMkernel NIC name goes to the database: PostgreSQL refuses NUL in text (a 500 before)
    for response in (api.get(f"/labs/{lab.moid}/vcenter/host/{esx01.moid}/vmkernel%00"),
                     api.patch(f"/labs/{lab.moid}/vcenter/host/{esx01.moid}/vmkernel/vmk%00", {"vmotion": True}),
                     api.get(f"/labs/lab-%00{lab.pk}/vcenter/vm")):
        assert response.status_code == 404 and response.json()["error_type"] == "NOT_FOUND"


def test_nul_characters_in_credentials_and_filters_are_refused_cleanly(client, api, lab):
    import base64

    credentials = base64.b64encode(b"ali\x00ce:pass\x00word").decode()
    assert client.post("/api/session", HTTP_AUTHORIZATION=f"Basic {credentials}").status_code == 401
    assert client.get("/api/labs", HTTP_VMWARE_API_SESSION_ID="abc\x00").status_code == 401
    assert api.get(f"/labs/{lab.moid}/vcenter/vm", names=["a\x00"]).status_code == 400


@pytest.fixture
def server_log():
    """What the console handler of django.request writes (settings.LOGGING), captured."""
    handlers = [h for h in logging.getLogger("django.request").handlers if isinstance(h, logging.StreamHandler)]
    assert handlers, "django.request has no console handler"
    stream = io.StringIO()
    previous = [h.setStream(stream) for h in handlers]
    yield stream
    for handler, old in zip(handlers, previous):
        handler.setStream(old)


def test_a_server_error_is_logged_with_its_traceback_and_answered_without_it(client, api, lab, monkeypatch,
                                                                             server_log):
    from api import present

    def broken(lab):
        raise RuntimeError("the clock is broken")

    monkeypatch.setattr(present, "clock", broken)
    client.raise_request_exception = False
    response = client.get(f"/api/labs/{lab.moid}/clock", **api.headers)
    assert response.status_code == 500
    assert response.json()["error_type"] == "ERROR" and "broken" not in response.content.decode()
    log = server_log.getvalue()
    assert "Internal Server Error: /api/labs/" in log
    assert "Traceback (most recent call last)" in log and "RuntimeError: the clock is broken" in log
