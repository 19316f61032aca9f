import pytest
from django.db.models import F
from django.contrib.auth import get_user_model

from accounts.roles import make_instructor
from inventory.models import Host, Lab, VirtualMachine
from inventory.presets import lab_create
from operations.runner.runner import Runner

PASSWORD = "correct-horse-battery"


@pytest.fixture
def make_user(db):
    def make(username: str, **extra):
        return get_user_model().objects.create_user(username, password=PASSWORD, **extra)
    return make


@pytest.fixture
def owner(make_user):
    return make_user("alice")


@pytest.fixture
def member(make_user):
    return make_user("bob")


@pytest.fixture
def stranger(make_user):
    return make_user("mallory")


@pytest.fixture
def instructor(make_user):
    user = make_user("teacher")
    make_instructor(user)
    return user


@pytest.fixture
def lab(owner, member):
    lab = lab_create(owner=owner, preset="seed-article", name="Seed")
    lab.members.add(member)
    # tests step a paused clock instead of racing the wall clock
    Lab.objects.filter(pk=lab.pk).update(clock_paused=True)
    lab.refresh_from_db()
    return lab


def advance(lab: Lab, seconds: float) -> None:
    """Move a paused lab clock forward (the runner then plays what is due)."""
    Lab.objects.filter(pk=lab.pk).update(sim_seconds=F("sim_seconds") + seconds)


class Sim:
    """Steps a lab's simulated clock and the runner, as a test's only way to let time pass."""

    def __init__(self, lab: Lab):
        self.lab = lab
        self.runner = Runner()
        self.batches: list = []  # everything the runner had to publish, for the live tests

    def run(self, seconds: float = 0.0, step: float | None = None) -> None:
        """Advance the (paused) clock by `seconds`, in steps of `step` if given, and let the
        runner play everything due."""
        steps = [seconds] if not step else [step] * int(seconds // step) + ([seconds % step] if seconds % step else [])
        self.runner.step()
        self.batches.extend(self.runner.batches)
        for dt in steps:
            advance(self.lab, dt)
            self.runner.step()
            self.batches.extend(self.runner.batches)
        self.lab.refresh_from_db()

    def take_batches(self) -> list:
        batches, self.batches = self.batches, []
        return batches

    @property
    def now(self) -> float:
        return Lab.objects.get(pk=self.lab.pk).now()


@pytest.fixture
def sim(lab):
    return Sim(lab)


@pytest.fixture
def esx01(lab):
    return Host.objects.get(lab=lab, name="esx01.lab.local")


@pytest.fixture
def esx02(lab):
    return Host.objects.get(lab=lab, name="esx02.lab.local")


def vm_named(lab, name: str) -> VirtualMachine:
    return VirtualMachine.objects.get(lab=lab, name=name)


@pytest.fixture
def web01(lab):
    return vm_named(lab, "W2K8-Web01")


@pytest.fixture
def xp01(lab):
    return vm_named(lab, "XP-Client01")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def shared_database_url() -> str:
    """The test database as a DATABASE_URL, for the processes tests start (serve, simworker)."""
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
