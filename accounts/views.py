"""Instructors' account pages: current login lockouts (and lifting them), students and their
passwords. Anyone else gets "not found", as for a lab they may not see."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .roles import is_instructor
from .students import student_password_set, students
from .throttle import cool_off_minutes, failed_logins, lockout_lift


def instructor_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_instructor(request.user):
            raise Http404("No such page")
        return view(request, *args, **kwargs)
    return wrapper


class UnlockForm(forms.Form):
    username = forms.CharField(max_length=150)
    address = forms.GenericIPAddressField(required=False)


@instructor_required
def lockouts(request):
    return render(request, "accounts/lockouts.html", {"attempts": failed_logins(), "limit": settings.AXES_FAILURE_LIMIT,
                                                      "minutes": cool_off_minutes()})


@require_POST
@instructor_required
def unlock(request):
    form = UnlockForm(request.POST)
    if form.is_valid():
        username, address = form.cleaned_data["username"], form.cleaned_data["address"] or None
        if lockout_lift(username=username, address=address, by=request.user.get_username()):
            messages.success(request, f"{username} may log in again from {address or 'every computer'}.")
        else:
            messages.info(request, f"{username} had no failed logins to forget.")
    else:
        messages.error(request, "Give a user name and, optionally, a valid address.")
    return redirect("accounts-lockouts")


@instructor_required
def student_list(request):
    locked = {a.username for a in failed_logins() if a.locked}
    return render(request, "accounts/students.html", {"students": students(), "locked": locked})


@instructor_required
def student_password(request, user_id: int):
    student = get_object_or_404(students(), pk=user_id)
    form = SetPasswordForm(student, request.POST or None)
    if request.method == "POST" and form.is_valid():
        student_password_set(student=student, password=form.cleaned_data["new_password1"], by=request.user)
        messages.success(request, f"New password set for {student.get_username()}; their lockouts are lifted.")
        return redirect("accounts-students")
    return render(request, "accounts/student_password.html", {"student": student, "form": form})
