"""`make run` creates the demo users with the README's password only when the server listens on
a loopback address; served to the network, each gets a random password printed once."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from inventory.management.commands.loaddemo import DEMO_PASSWORD, is_loopback

USERS = ["instructor", "student1", "student2", "student3"]


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    """Hashing with the production hasher costs half a second a password; what is tested here is who
    may log in, not the hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("host, local", [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("192.168.1.20", False), ("::", False), ("lab.example.edu", False), ("", False)])
def test_loopback_addresses_are_this_computer_only(host, local):
    assert is_loopback(host) is local


def test_on_a_loopback_address_the_demo_users_share_the_readme_password(db, capsys):
    call_command("loaddemo", "--host", "127.0.0.1")
    assert DEMO_PASSWORD in capsys.readouterr().out
    assert all(u.check_password(DEMO_PASSWORD) for u in get_user_model().objects.filter(username__in=USERS))


def test_served_to_the_network_each_demo_user_gets_a_random_password_printed_once(db, capsys):
    host = "0.0.0.0"
    call_command("loaddemo", "--host", host)
    out = capsys.readouterr().out
    assert DEMO_PASSWORD not in out
    printed = dict(re.findall(r"^\s+(\w+)\s.*password (\S+)$", out, re.MULTILINE))
    assert sorted(printed) == USERS and len(set(printed.values())) == 4
    for user in get_user_model().objects.filter(username__in=USERS):
        assert user.check_password(printed[user.username]) and not user.check_password(DEMO_PASSWORD)
    call_command("loaddemo", "--host", host)  # the next run prints no password again
    assert "password" not in capsys.readouterr().out.replace("passwords", "")


def test_a_loopback_database_served_to_the_network_loses_the_readme_password(db, capsys):
    call_command("loaddemo", "--host", "127.0.0.1")
    student1 = get_user_model().objects.get(username="student1")
    student1.set_password("chosen-by-student1")
    student1.save()
    capsys.readouterr()
    call_command("loaddemo", "--host", "0.0.0.0")
    out = capsys.readouterr().out
    assert "student1" not in out and "instructor" in out  # a password someone chose is kept
    users = get_user_model().objects.filter(username__in=USERS)
    assert not any(u.check_password(DEMO_PASSWORD) for u in users)
    assert get_user_model().objects.get(username="student1").check_password("chosen-by-student1")
