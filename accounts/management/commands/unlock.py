from django.core.management.base import BaseCommand, CommandError

from accounts.throttle import failed_logins, lockout_lift


class Command(BaseCommand):
    help = ("Lift the login lockout of USERNAME (from every address, or only --address), for when no "
            "instructor can log in to do it from the Lockouts page. Without USERNAME: list the lockouts.")

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?")
        parser.add_argument("--address", help="only the lockout from this client address")

    def handle(self, *args, username=None, address=None, **options):
        if username is None:
            attempts = failed_logins()
            for a in attempts:
                state = f"locked until {a.until:%H:%M:%S} UTC" if a.locked else "not locked"
                self.stdout.write(f"{a.username:<20} {a.address:<40} {a.failures:>3} failed  {state}")
            if not attempts:
                self.stdout.write("No failed logins within the lockout period.")
            return
        try:
            count = lockout_lift(username=username, address=address, by="manage.py unlock")
        except ValueError:
            raise CommandError(f"{address!r} is not an IP address.") from None
        where = f"from {address}" if address else "from every address"
        if count:
            self.stdout.write(f"{username} may log in again {where}.")
        else:
            self.stdout.write(f"{username} had no failed logins {where}: nothing to lift.")
