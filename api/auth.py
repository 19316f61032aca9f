"""Who is calling: an API session token (header `vmware-api-session-id`), or a logged-in browser
session with its CSRF token. POST /api/session takes HTTP Basic credentials.

A request that carries the token header is decided by the token alone: a bad or expired token is
UNAUTHENTICATED (401) whatever the method, never a fall-through to the browser session (which
would answer a POST with a CSRF failure)."""

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, APIKeyHeader, HttpBasicAuth

from .models import ApiSession

HEADER = "vmware-api-session-id"
# last_used_at is written when it is older than this, not on every request: the idle limit
# (12 h) is then measured to within 5 minutes, and reads do not write.
TOUCH_EVERY = timezone.timedelta(minutes=5)


def user_for_token(token: str | None):
    if not token or "\x00" in token:
        return None
    session = ApiSession.objects.select_related("user").filter(token=token).first()
    if session is None or session.expired or not session.user.is_active:
        return None
    now = timezone.now()
    if now - session.last_used_at > TOUCH_EVERY:
        ApiSession.objects.filter(pk=session.pk, last_used_at__lt=now - TOUCH_EVERY).update(last_used_at=now)
    return session.user


class SessionToken(APIKeyHeader):
    param_name = HEADER

    def authenticate(self, request, key):
        if key is None:
            return None  # no header: the browser session may speak instead
        user = user_for_token(key)
        if user is None:
            raise AuthenticationError()
        request.user = user
        request.api_token = key
        return user


class BrowserSession(APIKeyCookie):
    """A logged-in browser session, with its CSRF token on unsafe methods. Without a logged-in
    session there is nothing to check a CSRF token for: the caller is simply UNAUTHENTICATED."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)  # checks the CSRF token (403 when it is missing)

    def authenticate(self, request, key):
        return request.user if request.user.is_authenticated else None


class BasicCredentials(HttpBasicAuth):
    """POST /api/session. authenticate() gets the request, so django-axes counts the failures per
    user and address as it does for the login form (accounts/throttle.py); a success is a login
    (last_login, and the pair's failures forgotten)."""

    def authenticate(self, request, username, password):
        if "\x00" in username or "\x00" in password:
            return None  # no such user; and PostgreSQL refuses NUL in text
        user = authenticate(request, username=username, password=password)
        if user is None or not user.is_active:
            return None
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return user


token_auth = SessionToken()
basic_auth = BasicCredentials()
API_AUTH = [token_auth, BrowserSession()]
