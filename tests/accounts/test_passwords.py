"""Instructors reset students' passwords (not other instructors', not superusers'); students
cannot reach the page."""

import base64

import pytest

from api.models import ApiSession
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    """Hashing with the production hasher costs half a second a password; what is tested here is who
    may log in, not the hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def reset(client, user, password="new-lesson-pass-1"):
    return client.post(f"/accounts/students/{user.pk}/password/",
                       {"new_password1": password, "new_password2": password})


def test_an_instructor_resets_a_students_password_and_ends_their_api_sessions(client, instructor, owner):
    ApiSession.objects.create(user=owner)
    client.force_login(instructor)
    listing = client.get("/accounts/students/")
    assert b"<td>alice</td>" in listing.content and b"<td>teacher</td>" not in listing.content
    assert reset(client, owner).status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("new-lesson-pass-1") and not owner.check_password(PASSWORD)
    assert not ApiSession.objects.filter(user=owner).exists()


def test_a_short_or_mismatched_password_is_refused_with_the_forms_message(client, instructor, owner):
    client.force_login(instructor)
    response = reset(client, owner, "short")
    assert response.status_code == 200 and b"too short" in response.content
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_instructors_and_superusers_passwords_are_not_an_instructors_to_reset(client, instructor, make_user):
    from accounts.roles import make_instructor

    colleague = make_user("colleague")
    make_instructor(colleague)
    admin = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(instructor)
    for user in (colleague, admin, instructor):
        assert reset(client, user).status_code == 404
        user.refresh_from_db()
        assert user.check_password(PASSWORD)


@pytest.mark.parametrize("who", ["owner", "member"])
def test_students_cannot_reset_passwords(client, request, who, stranger):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/accounts/students/{stranger.pk}/password/").status_code == 404
    assert reset(client, stranger).status_code == 404
    stranger.refresh_from_db()
    assert stranger.check_password(PASSWORD)


def test_a_reset_lifts_the_students_lockout(client, instructor, owner):
    from django.conf import settings

    bad = base64.b64encode(b"alice:wrong").decode()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/session", HTTP_AUTHORIZATION=f"Basic {bad}")
    client.force_login(instructor)
    assert b"Locked" in client.get("/accounts/students/").content
    reset(client, owner)
    client.logout()
    good = base64.b64encode(b"alice:new-lesson-pass-1").decode()
    assert client.post("/api/session", HTTP_AUTHORIZATION=f"Basic {good}").status_code == 201
