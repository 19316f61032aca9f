"""Login throttling with django-axes: failures are counted per user name and client address
together (settings.AXES_LOCKOUT_PARAMETERS), on the login form and on POST /api/session alike,
since both authenticate through ThrottleBackend with the request.

A locked pair is refused even with the right password until the cool-off has passed since its
last failure (each further failure starts it again), or until an instructor (the Lockouts page) or
`manage.py unlock` lifts it. The same user from another address is not affected."""

from __future__ import annotations

import ipaddress
import json
import logging
from dataclasses import dataclass
from datetime import datetime

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max, Sum
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

log = logging.getLogger(__name__)


class ThrottleBackend(AxesStandaloneBackend):
    """axes' gate before the model backend. Without a request (the test client's login(), a shell)
    there is no client to throttle: the gate stands aside instead of refusing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_address(request) -> str | None:
    """The client's address: the peer's, or behind PROXY_HOPS proxies the address the outermost
    proxy appended to X-Forwarded-For (entries further left are whatever the client sent)."""
    hops = settings.PROXY_HOPS
    if hops:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            try:
                return str(ipaddress.ip_address(forwarded[-hops]))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR")


def cool_off_minutes() -> int:
    return max(1, round(get_cool_off().total_seconds() / 60))


def lockout_message(username: str) -> str:
    return (f"Account locked: too many failed logins as {username or 'this user'} from this computer. Try again in "
            f"{cool_off_minutes()} minutes, or ask an instructor to unlock it.")


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """AxesMiddleware's answer when a request was refused or made the pair reach the limit: the
    API's UNAUTHENTICATED error under /api/ (vCenter's session service answers a locked account
    with UNAUTHENTICATED too, and a script must stop retrying either way), else the login page
    with the reason (429 Too Many Requests)."""
    username = get_client_username(request, credentials if isinstance(credentials, dict) else None)
    if not username and getattr(request, "axes_credentials", None):
        username = request.axes_credentials.get("username")
    message = lockout_message(username or "")
    if request.path.startswith("/api/"):
        body = {"error_type": "UNAUTHENTICATED",
                "messages": [{"id": "vcenter.lab.account_locked", "default_message": message}]}
        return HttpResponse(json.dumps(body), status=401, content_type="application/json")
    form = AuthenticationForm(request, initial={"username": username or ""})
    return render(request, "registration/login.html", {"form": form, "lockout": message,
                                                       "next": request.POST.get("next", "")}, status=429)


# --- what instructors see and lift ---------------------------------------------------------

@dataclass(frozen=True)
class Lockout:
    username: str
    address: str
    failures: int
    last_failure: datetime
    until: datetime

    @property
    def locked(self) -> bool:
        return self.failures >= settings.AXES_FAILURE_LIMIT


def failed_logins(username: str | None = None) -> list[Lockout]:
    """Failed logins still counting (within the cool-off), per user and address, the locked ones
    first; `username` narrows to one user."""
    cool_off = get_cool_off()
    attempts = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off)
    if username is not None:
        attempts = attempts.filter(username=username)
    rows = (attempts.values("username", "ip_address")
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time")))
    found = [Lockout(r["username"] or "", r["ip_address"] or "", r["failures"], r["last"], r["last"] + cool_off)
             for r in rows]
    return sorted(found, key=lambda x: (not x.locked, x.username.lower(), x.address))


def lockout_lift(*, username: str, address: str | None = None, by: str = "") -> int:
    """Forget the failed logins of `username` (from `address`, or from everywhere): the pair may log
    in again at once. Returns how many records were removed. A malformed address is ValueError."""
    attempts = AccessAttempt.objects.filter(username=username)
    if address:
        attempts = attempts.filter(ip_address=str(ipaddress.ip_address(address)))
    count, _ = attempts.delete()
    if count:
        log.warning("Login lockout of %s from %s lifted by %s", username, address or "every address", by or "?")
    return count
