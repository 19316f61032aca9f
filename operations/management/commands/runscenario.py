from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from inventory.models import Lab
from inventory.presets import PRESET_KEYS, lab_create
from inventory.selectors import id_number
from operations.faults import InvalidArgument, VimFault
from operations.models import ScenarioState
from operations.runner.scenarios import drive, pause
from operations.services.scenarios import event_lines, outcome_lines, scenario_start

PARSE_ERROR = 2  # the script does not parse or names what the lab lacks
FAILED = 1  # an expectation did not hold


class Command(BaseCommand):
    help = ("Run a scenario script (docs/scenarios.md) against a lab, in simulated time and without waiting on the "
            "wall clock, then print the lab's event log from the scenario's start and each line's outcome. "
            "Exit status: 0 every expectation held, 1 one did not, 2 the script was refused (its problems, by line).")

    def add_arguments(self, parser):
        parser.add_argument("file", help="The scenario script (a .scenario text file)")
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--lab", help="The id of the lab to run it on, lab-3 or 3 (its clock is paused)")
        where.add_argument("--preset", choices=PRESET_KEYS, help="Run it on a fresh lab created from this preset")
        parser.add_argument("--user", help="Who runs it (default: the lab's owner; required with --preset: the new "
                                           "lab's owner)")
        parser.add_argument("--name", help="The scenario's name (default: the file's name without .scenario)")

    def handle(self, *args, file, lab, preset, user, name, **options):
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        person = get_user_model().objects.filter(username=user).first() if user else None
        if user and person is None:
            raise CommandError(f"No user named '{user}'.")
        try:
            with transaction.atomic():  # a refused script leaves no lab made for it
                scenario = self._start(text, path, lab, preset, person, name)
        except InvalidArgument as refused:
            self.stderr.write(f"{file}: the scenario was refused:")
            for message in refused.messages:
                self.stderr.write(f"  {message}")
            raise CommandError(f"{len(refused.messages)} problem(s) in {file}; nothing was run.",
                               returncode=PARSE_ERROR) from None
        except VimFault as fault:
            raise CommandError(" ".join(fault.messages)) from None
        scenario = drive(scenario)
        for line in event_lines(scenario):
            self.stdout.write(line)
        self.stdout.write("")
        for line in outcome_lines(scenario):
            self.stdout.write(line)
        if scenario.state != ScenarioState.PASSED:
            raise CommandError(f"Scenario {path.name} {scenario.state}.", returncode=FAILED)

    def _start(self, text, path, lab, preset, person, name):
        """The scenario started on the lab (a fresh one from the preset, or lab `lab`), its clock paused."""
        if preset:
            if person is None:
                raise CommandError("--preset needs --user, the owner of the lab it creates.")
            taken = set(Lab.objects.filter(owner=person).values_list("name", flat=True))
            label = f"Scenario {path.name.removesuffix('.scenario')}"[:70]
            free = next(f"{label} ({n})" if n > 1 else label for n in range(1, 10_000)
                        if (f"{label} ({n})" if n > 1 else label) not in taken)
            the_lab = lab_create(owner=person, preset=preset, name=free, quota=False)
            pause(the_lab, at_zero=True)
        else:
            number = id_number(str(lab).removeprefix("lab-"))
            the_lab = Lab.objects.filter(pk=number).first() if number is not None else None
            if the_lab is None:
                raise CommandError(f"No lab with id {lab}.")
            person = person or the_lab.owner
            pause(the_lab)
        return scenario_start(lab=the_lab, text=text, user=person,
                              name=name if name is not None else path.name.removesuffix(".scenario"))
