"""ASGI entry point: HTTP (with static files) and websockets in one application."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vcenter_web.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from vcenter_web.limits import BodyLimit  # noqa: E402
from vcenter_web.routing import websocket_urlpatterns  # noqa: E402


class BrowserOriginValidator:
    """Browsers always send Origin on a websocket: check it against ALLOWED_HOSTS (no cross-site
    socket riding on a session cookie). Scripts send none; they still need a session token."""

    def __init__(self, app):
        self.app = app
        self.checked = AllowedHostsOriginValidator(app)

    async def __call__(self, scope, receive, send):
        if any(name == b"origin" for name, _ in scope.get("headers", [])):
            return await self.checked(scope, receive, send)
        return await self.app(scope, receive, send)


application = ProtocolTypeRouter(
    {
        # Static files are served by the app itself: the product runs offline in a classroom
        # from one command, with no separate web server in front. Oversized bodies are refused
        # before Django reads them (vcenter_web/limits.py).
        "http": BodyLimit(ASGIStaticFilesHandler(django_asgi_app)),
        "websocket": BrowserOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
