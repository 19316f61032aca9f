"""Roles. An instructor is a member of the "Instructors" group (or a superuser): every access rule
asks is_instructor(), never the staff flag, which only opens Django's admin site. The classroom
work attaches instructors to classes through the same group."""

from __future__ import annotations

from django.contrib.auth.models import Group

INSTRUCTORS = "Instructors"


def is_instructor(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_instructor", None)
    if cached is None:
        cached = user.groups.filter(name=INSTRUCTORS).exists()
        user._is_instructor = cached
    return cached


def make_instructor(user) -> None:
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS)
    user.groups.add(group)
    user._is_instructor = True


def roles(request) -> dict:
    """Template context: `is_instructor` for the signed-in user."""
    return {"is_instructor": is_instructor(getattr(request, "user", None))}
