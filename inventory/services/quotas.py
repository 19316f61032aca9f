"""Students' quotas (settings.STUDENT_MAX_*): how many labs a student may own, and how many hosts
and virtual machines a lab a student owns may hold. Instructors have none. The services check them
while holding the lock they create under (the owner's for a lab, the lab's for a host or a VM), so
concurrent requests cannot pass the limit together."""

from __future__ import annotations

from django.conf import settings

from accounts.roles import is_instructor
from inventory.models import Host, Lab, VirtualMachine
from operations.faults import QuotaExceeded


def _many(n: int, things: str) -> str:
    return f"{n} {things if n != 1 else things.removesuffix('s')}"


def _student_lab(lab: Lab) -> bool:
    return not is_instructor(lab.owner)


def require_lab_room(owner) -> None:
    """Creating a lab: the labs quota of the user who creates (and will own) it."""
    if is_instructor(owner):
        return
    limit, count = settings.STUDENT_MAX_LABS, Lab.objects.filter(owner=owner).count()
    if count >= limit:
        raise QuotaExceeded(f"Quota reached: a student may own {_many(limit, 'labs')}, and you own {count}. Ask an "
                            f"instructor to raise the limit (STUDENT_MAX_LABS).")


def _require(what: str, setting: str, limit: int, count: int, lab: Lab) -> None:
    if count >= limit:
        raise QuotaExceeded(f"Quota reached: a student's lab may hold {_many(limit, what)}, and lab {lab.name} has "
                            f"{count}. Ask an instructor to raise the limit ({setting}).")


def require_host_room(lab: Lab) -> None:
    """Adding a host to a lab a student owns."""
    if _student_lab(lab):
        _require("hosts", "STUDENT_MAX_HOSTS_PER_LAB", settings.STUDENT_MAX_HOSTS_PER_LAB,
                 Host.objects.filter(lab=lab).count(), lab)


def require_vm_room(lab: Lab) -> None:
    """Creating a virtual machine in a lab a student owns."""
    if _student_lab(lab):
        _require("virtual machines", "STUDENT_MAX_VMS_PER_LAB", settings.STUDENT_MAX_VMS_PER_LAB,
                 VirtualMachine.objects.filter(lab=lab).count(), lab)


def require_preset_room(owner, *, hosts: int, vms: int) -> None:
    """A new lab built from a preset: the per-lab quotas apply to what the preset builds."""
    if is_instructor(owner):
        return
    problems = []
    for what, setting, limit, count in (
        ("hosts", "STUDENT_MAX_HOSTS_PER_LAB", settings.STUDENT_MAX_HOSTS_PER_LAB, hosts),
        ("virtual machines", "STUDENT_MAX_VMS_PER_LAB", settings.STUDENT_MAX_VMS_PER_LAB, vms),
    ):
        if count > limit:
            problems.append(f"Quota reached: a student's lab may hold {_many(limit, what)}, and this preset builds "
                            f"{count}. Ask an instructor to raise the limit ({setting}).")
    if problems:
        raise QuotaExceeded(*problems)
