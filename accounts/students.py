"""Students as instructors manage them: everyone who is neither an instructor nor a superuser."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction

from .roles import INSTRUCTORS, is_instructor
from .throttle import lockout_lift

log = logging.getLogger(__name__)


def students():
    return get_user_model().objects.filter(is_superuser=False).exclude(groups__name=INSTRUCTORS).order_by("username")


@transaction.atomic
def student_password_set(*, student, password: str, by) -> None:
    """An instructor gives a student a new password (validated by the caller's SetPasswordForm);
    the student's login lockouts are lifted with it. Instructors' and superusers' passwords are
    not theirs to change: those users change their own, or `manage.py changepassword` does."""
    if not is_instructor(by):
        raise PermissionDenied("Only instructors reset passwords.")
    if is_instructor(student) or student.is_superuser:
        raise PermissionDenied(f"{student.get_username()} is an instructor: only they can change their password.")
    student.set_password(password)
    student.save(update_fields=["password"])
    # Their open API sessions end too: whoever knew the old password loses what it opened.
    student.api_sessions.all().delete()
    lockout_lift(username=student.get_username(), by=by.get_username())
    log.warning("Password of %s reset by %s", student.get_username(), by.get_username())
