"""Helpers every inventory service shares."""

from django.core.exceptions import ValidationError

from inventory.models import Lab
from inventory.rules import name_problems
from operations.faults import AlreadyExists, InvalidArgument


def refuse(*problems: list[str]) -> None:
    """Refuse with every problem the rules found (inventory/rules.py), one message each."""
    messages = [message for found in problems for message in found]
    if messages:
        raise InvalidArgument(*messages)


def ensure_unique_name(model, *, lab: Lab, name: str, exclude_pk=None) -> str:
    """vSphere refuses a second object of the same kind and name in one vCenter. The name rule
    (inventory.rules.name_problems) comes first, before any query sees the name."""
    refuse(name_problems(name))
    name = name.strip()
    clash = model.objects.filter(lab=lab, name__iexact=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise AlreadyExists(f"The name '{name}' already exists.")
    return name


def validated(obj):
    """Run the model's field and constraint checks; a failure is the caller's bad input."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        messages = []
        for field, errors in exc.message_dict.items():
            prefix = "" if field == "__all__" else f"{field.replace('_', ' ')}: "
            messages.extend(prefix + e for e in errors)
        raise InvalidArgument(*messages) from exc
    return obj
