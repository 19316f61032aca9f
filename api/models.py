"""API sessions, as vSphere Automation REST has them: POST /api/session with HTTP Basic returns a
token that clients send back in the `vmware-api-session-id` header."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

IDLE_LIMIT = timezone.timedelta(hours=12)  # [model] vCenter's default is 30 min; a lesson is longer


def new_token() -> str:
    return secrets.token_hex(20)


class ApiSession(models.Model):
    token = models.CharField(max_length=64, unique=True, default=new_token)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_sessions")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"API session of {self.user}"

    @property
    def expired(self) -> bool:
        return timezone.now() - self.last_used_at > IDLE_LIMIT
