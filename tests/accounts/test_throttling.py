"""Login throttling (django-axes): per user AND address, on the login form and on POST
/api/session alike; the instructor keeps logging in from their own computer while a student's
guesses lock only the student's computer."""

import base64

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.conftest import PASSWORD

STUDENT_PC, OTHER_PC, INSTRUCTOR_PC = "10.0.0.21", "10.0.0.22", "10.0.0.5"
LIMIT = settings.AXES_FAILURE_LIMIT


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    """Hashing with the production hasher costs half a second a password; what is tested here is who
    may log in, not the hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def form_login(client, username, password, address):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def api_login(client, username, password, address):
    credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
    return client.post("/api/session", HTTP_AUTHORIZATION=f"Basic {credentials}", REMOTE_ADDR=address)


def test_the_form_locks_a_user_on_one_computer_after_the_limit(client, owner):
    for _ in range(LIMIT - 1):
        response = form_login(client, "alice", "wrong", STUDENT_PC)
        assert response.status_code == 200 and b"Please enter a correct" in response.content
    locked = form_login(client, "alice", "wrong", STUDENT_PC)
    assert locked.status_code == 429
    assert b"Account locked: too many failed logins as alice from this computer" in locked.content
    # the right password does not get through on that computer...
    assert form_login(client, "alice", PASSWORD, STUDENT_PC).status_code == 429
    # ...and does from another one
    assert form_login(client, "alice", PASSWORD, OTHER_PC).status_code == 302


def test_a_student_guessing_cannot_lock_the_instructor_out(client, instructor):
    for _ in range(LIMIT + 3):
        form_login(client, "teacher", "guess", STUDENT_PC)
        api_login(client, "teacher", "guess", STUDENT_PC)
    assert form_login(client, "teacher", PASSWORD, STUDENT_PC).status_code == 429
    assert api_login(client, "teacher", PASSWORD, STUDENT_PC).status_code == 401
    assert api_login(client, "teacher", PASSWORD, INSTRUCTOR_PC).status_code == 201
    assert form_login(client, "teacher", PASSWORD, INSTRUCTOR_PC).status_code == 302


def test_the_api_session_counts_failures_and_answers_unauthenticated_with_the_reason(client, owner):
    for _ in range(LIMIT - 1):
        response = api_login(client, "alice", "wrong", STUDENT_PC)
        assert response.status_code == 401 and response.json()["error_type"] == "UNAUTHENTICATED"
    locked = api_login(client, "alice", "wrong", STUDENT_PC)
    assert locked.status_code == 401
    assert locked.json()["messages"][0]["default_message"].startswith("Account locked: too many failed logins as alice")
    right = api_login(client, "alice", PASSWORD, STUDENT_PC)
    assert right.status_code == 401 and "Account locked" in right.json()["messages"][0]["default_message"]
    assert api_login(client, "alice", PASSWORD, OTHER_PC).status_code == 201


def test_the_form_and_the_api_count_together(client, owner):
    for _ in range(LIMIT - 1):
        form_login(client, "alice", "wrong", STUDENT_PC)
    assert "Account locked" in api_login(client, "alice", "wrong", STUDENT_PC).json()["messages"][0]["default_message"]


def test_a_success_forgets_the_failures_before_it(client, owner):
    for _ in range(LIMIT - 1):
        form_login(client, "alice", "wrong", STUDENT_PC)
    assert api_login(client, "alice", PASSWORD, STUDENT_PC).status_code == 201
    for _ in range(LIMIT - 1):
        assert form_login(client, "alice", "wrong", STUDENT_PC).status_code == 200
    assert form_login(client, "alice", PASSWORD, STUDENT_PC).status_code == 302


def lock(client, username, address=STUDENT_PC):
    for _ in range(LIMIT):
        form_login(client, username, "wrong", address)
    assert form_login(client, username, PASSWORD, address).status_code == 429


def test_an_instructor_sees_the_lockout_and_lifts_it(client, owner, instructor):
    lock(client, "alice")
    client.force_login(instructor)
    page = client.get("/accounts/lockouts/")
    assert page.status_code == 200
    assert b"alice" in page.content and STUDENT_PC.encode() in page.content and b"Locked" in page.content
    assert b'href="/accounts/lockouts/"' in client.get("/").content  # linked from the header
    lifted = client.post("/accounts/lockouts/unlock/", {"username": "alice", "address": STUDENT_PC}, follow=True)
    assert b"alice may log in again from 10.0.0.21" in lifted.content
    assert b"Locked" not in client.get("/accounts/lockouts/").content
    client.logout()
    assert form_login(client, "alice", PASSWORD, STUDENT_PC).status_code == 302


@pytest.mark.parametrize("path", ["/accounts/lockouts/", "/accounts/students/"])
def test_students_do_not_see_the_instructor_pages(client, owner, path):
    client.force_login(owner)
    assert client.get(path).status_code == 404
    assert client.post("/accounts/lockouts/unlock/", {"username": "alice"}).status_code == 404
    assert b"/accounts/lockouts/" not in client.get("/").content


def test_the_unlock_command_lifts_a_lockout_when_no_instructor_can_log_in(client, instructor, capsys):
    lock(client, "teacher", INSTRUCTOR_PC)
    call_command("unlock")
    assert "teacher" in capsys.readouterr().out
    call_command("unlock", "teacher")
    assert "teacher may log in again from every address" in capsys.readouterr().out
    assert form_login(client, "teacher", PASSWORD, INSTRUCTOR_PC).status_code == 302
    call_command("unlock", "teacher")
    assert "nothing to lift" in capsys.readouterr().out


def test_lockouts_expire_after_the_cool_off(client, owner, settings):
    lock(client, "alice")
    from axes.models import AccessAttempt
    from django.utils import timezone

    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME)
    assert form_login(client, "alice", PASSWORD, STUDENT_PC).status_code == 302


@pytest.mark.django_db(transaction=True)  # the ASGI handler runs each request's database work in its own thread
def test_throttling_works_through_the_asgi_application(owner):
    """As daphne serves it: the address is the ASGI scope's client, the middleware runs in the
    ASGI handler."""
    import re

    from tests.api.asgi import asgi_request

    wrong = {"Authorization": "Basic " + base64.b64encode(b"alice:wrong").decode()}
    for _ in range(LIMIT):
        status, _, body = asgi_request("POST", "/api/session", headers=wrong.items(), client=(STUDENT_PC, 50000))
    assert status == 401 and b"Account locked: too many failed logins as alice" in body

    def form(address):
        _, headers, page = asgi_request("GET", "/login/", client=(address, 50001))
        token = re.search(r"csrftoken=(\w+)", headers["set-cookie"]).group(1)
        data = f"username=alice&password={PASSWORD}&csrfmiddlewaretoken={token}".encode()
        return asgi_request("POST", "/login/", body_parts=[data], client=(address, 50002), headers=[
            ("Cookie", f"csrftoken={token}"), ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", str(len(data)))])

    status, _, page = form(STUDENT_PC)
    assert status == 429 and b"Account locked" in page
    assert form(OTHER_PC)[0] == 302
