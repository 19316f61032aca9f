import asyncio
import os

from daphne.endpoints import build_endpoint_description_strings
from daphne.server import Server
from django.core.management.base import BaseCommand
from twisted.internet import reactor  # after daphne.server, which installed Twisted's asyncio reactor

from operations.runner.hosting import run_embedded
from operations.runner.runner import Runner
from vcenter_web.asgi import application
from vcenter_web.limits import limit_daphne


class Command(BaseCommand):
    help = "Serve the app with daphne on HOST:PORT (default 127.0.0.1:8000)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args, host, port, **options):
        self.stdout.write(f"vCenter Lab on http://{host}:{port}/  (Ctrl+C to stop)")
        if os.environ.get("SIM_RUNNER", "embedded") == "embedded":
            self._embed_runner()
        else:
            self.stdout.write("SIM_RUNNER is not 'embedded': run `python manage.py simworker` for the simulation.")
        limit_daphne()  # oversized bodies refused while Twisted receives them, before it spools them
        Server(
            application=application,
            endpoints=build_endpoint_description_strings(host=host, port=port),
            signal_handlers=True,
        ).run()

    def _embed_runner(self):
        """One process, one asyncio loop: the runner is a task of daphne's loop (daphne installed
        Twisted's asyncio reactor when it was imported)."""
        runner = Runner()
        reactor.callWhenRunning(lambda: asyncio.ensure_future(run_embedded(runner)))
        reactor.addSystemEventTrigger("before", "shutdown", runner.stop.set)
