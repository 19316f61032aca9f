import asyncio
import signal

from django.core.checks import Tags
from django.core.management.base import BaseCommand

from operations.runner import hosting
from operations.runner.runner import TICK_S, Runner


class Command(BaseCommand):
    help = (
        "Run the simulation engine in its own process, next to web processes started with "
        "SIM_RUNNER=off (PostgreSQL and Redis deployments). Stops cleanly on SIGTERM or Ctrl+C; "
        "after a kill -9, starting it again resumes every task in flight."
    )

    # every system check but the URL ones: they import the URLconf, so every view and form, and
    # the worker serves no URL (tests/test_layers.py checks what it loads)
    requires_system_checks = [tag for name, tag in vars(Tags).items() if not name.startswith("_") and tag != Tags.urls]

    def add_arguments(self, parser):
        parser.add_argument("--tick", type=float, default=TICK_S, help="Wall seconds between two steps")

    def handle(self, *args, tick, **options):
        runner = Runner()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: runner.stop.set())
        self.stdout.write(f"simworker {runner.id}: simulating and publishing the labs it holds, a step every {tick:g} s",
                          ending="\n")
        self.stdout.flush()
        asyncio.run(hosting.run_embedded(runner, tick=tick))
        self.stdout.write("simworker: stopped")
