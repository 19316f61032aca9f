import os

from daphne.endpoints import build_endpoint_description_strings
from daphne.server import Server
from django.core.management.base import BaseCommand

from vcenter_web.asgi import application


class Command(BaseCommand):
    help = "Serve the app with daphne on HOST:PORT (default 127.0.0.1:8000)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args, host, port, **options):
        # One process, one asyncio loop: the engine runner (Engine issue) is scheduled on it too.
        self.stdout.write(f"vCenter Lab on http://{host}:{port}/  (Ctrl+C to stop)")
        Server(
            application=application,
            endpoints=build_endpoint_description_strings(host=host, port=port),
            signal_handlers=True,
        ).run()
