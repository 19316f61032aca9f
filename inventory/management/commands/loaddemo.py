import ipaddress
import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.roles import make_instructor
from inventory.presets import lab_create

DEMO_PASSWORD = "vsphere4lab"  # the README's: only for a server that listens on this computer alone
INSTRUCTOR = "instructor"
STUDENTS = ["student1", "student2", "student3"]


def is_loopback(host: str) -> bool:
    """Only this computer can reach a server listening on `host` (127.0.0.1, ::1, localhost)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name or 0.0.0.0 / a LAN address: reachable from elsewhere


def random_password() -> str:
    return secrets.token_urlsafe(9)  # 12 characters, 72 bits


class Command(BaseCommand):
    help = ("On a new database (no users yet): create the demo instructor and students, each student with a "
            "seed-article lab. Served on a loopback address they share the README's password; otherwise each gets "
            "a random password, printed once. Demo users still holding the README's password get new random ones "
            "when the server is to listen beyond this computer.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"),
                            help="the address the server will listen on (make run passes HOST)")

    @transaction.atomic
    def handle(self, *args, host, **options):
        User = get_user_model()
        local = is_loopback(host)
        if User.objects.exists():
            self.stdout.write("Users already exist: demo users not loaded (they are created on a new database only).")
            if not local:
                self._replace_known_passwords(User, host)
            return
        passwords = {name: DEMO_PASSWORD if local else random_password() for name in [INSTRUCTOR, *STUDENTS]}
        make_instructor(User.objects.create_user(INSTRUCTOR, password=passwords[INSTRUCTOR], first_name="Instructor"))
        for name in STUDENTS:
            student = User.objects.create_user(name, password=passwords[name])
            lab_create(owner=student, preset="seed-article", name=f"{name}'s lab")
        if local:
            self.stdout.write(f"Demo users created (password for all: {DEMO_PASSWORD}; the server listens on {host} only):")
        else:
            self.stdout.write(f"Demo users created with random passwords, shown this once (the server listens on {host}, "
                              f"reachable from other computers):")
        for name, role in [(INSTRUCTOR, "instructor: sees every lab"),
                           *[(s, "student with a seed-article lab") for s in STUDENTS]]:
            shown = "" if local else f"  password {passwords[name]}"
            self.stdout.write(f"  {name:<12} {role}{shown}")

    def _replace_known_passwords(self, User, host):
        """A database made by a loopback `make run` now served to the network: whoever read the
        README must not log in as the demo users."""
        for user in User.objects.filter(username__in=[INSTRUCTOR, *STUDENTS]).order_by("username"):
            if user.check_password(DEMO_PASSWORD):
                password = random_password()
                user.set_password(password)
                user.save(update_fields=["password"])
                self.stdout.write(f"  {user.username:<12} had the README's password; served on {host} it is now "
                                  f"{password} (shown this once)")
