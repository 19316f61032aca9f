import pytest
from django.contrib.auth import get_user_model

from inventory.models import Host, VirtualMachine
from inventory.presets import lab_create

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
    return make_user("teacher", is_staff=True)


@pytest.fixture
def lab(owner, member):
    lab = lab_create(owner=owner, preset="seed-article", name="Seed")
    lab.members.add(member)
    return lab


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
