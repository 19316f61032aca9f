"""Who is calling: an API session token (header `vmware-api-session-id`), or a logged-in browser
session with its CSRF token. POST /api/session takes HTTP Basic credentials."""

from django.contrib.auth import authenticate
from django.utils import timezone
from ninja.security import APIKeyHeader, HttpBasicAuth, django_auth

from .models import ApiSession

HEADER = "vmware-api-session-id"


def user_for_token(token: str | None):
    if not token:
        return None
    session = ApiSession.objects.select_related("user").filter(token=token).first()
    if session is None or session.expired or not session.user.is_active:
        return None
    ApiSession.objects.filter(pk=session.pk).update(last_used_at=timezone.now())
    return session.user


class SessionToken(APIKeyHeader):
    param_name = HEADER

    def authenticate(self, request, key):
        user = user_for_token(key)
        if user is not None:
            request.user = user
            request.api_token = key
        return user


class BasicCredentials(HttpBasicAuth):
    def authenticate(self, request, username, password):
        user = authenticate(request, username=username, password=password)
        return user if user is not None and user.is_active else None


token_auth = SessionToken()
basic_auth = BasicCredentials()
API_AUTH = [token_auth, django_auth]
