"""Request bodies above settings.REQUEST_BODY_MAX_BYTES are refused before they are read or spooled.

Two places, because two layers buffer a body before any view runs:
- `BodyLimit`, ASGI middleware around the whole HTTP application: an announced Content-Length above
  the limit is answered 413 at once, without reading a byte; a body without one (chunked) is
  counted as its messages arrive and refused as soon as it passes the limit. Django's ASGI handler
  would otherwise copy the whole body into a temporary file first. Any ASGI server gets this.
- `LimitedWebRequest`, for daphne (`manage.py serve`): Twisted reads a whole request body into a
  temporary file before daphne hands the request to the application, so the same check is made
  there, when the headers are complete (Content-Length) and on every chunk received (chunked).

Both answer 413 in the API's error format under /api/ and with a plain page elsewhere."""

from __future__ import annotations

import io
import json

from django.conf import settings

API_PREFIX = "/api/"


def too_large(path: str, limit: int) -> tuple[bytes, bytes]:
    """(content type, body) of the 413 answer for `path`."""
    text = f"The request body is larger than {limit:,} bytes, the most this server accepts."
    if path.startswith(API_PREFIX):
        body = {"error_type": "INVALID_ARGUMENT",
                "messages": [{"id": "vcenter.lab.request_too_large", "default_message": text}]}
        return b"application/json", json.dumps(body).encode()
    page = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Request too large</title>"
            f"</head><body><h1>Request too large</h1><p>{text}</p></body></html>")
    return b"text/html; charset=utf-8", page.encode()


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    def __init__(self, app, limit: int | None = None):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit if self.limit is not None else settings.REQUEST_BODY_MAX_BYTES
        announced = _content_length(scope)
        if announced is not None and announced > limit:
            return await self._refuse(scope, send, limit)

        received = 0
        over = False
        started = False

        async def counted_receive():
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # To the application the client has gone: Django drops what it had spooled
                    # and returns without answering; the 413 is sent below.
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted_receive, watched_send)
        if over and not started:
            await self._refuse(scope, send, limit)

    @staticmethod
    async def _refuse(scope, send, limit: int):
        content_type, body = too_large(scope.get("path", ""), limit)
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", content_type), (b"content-length", str(len(body)).encode()),
            (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def limited_daphne_request():
    """daphne's request class with the same limit, applied while Twisted receives the body."""
    from daphne.http_protocol import WebRequest

    class LimitedWebRequest(WebRequest):
        _refused = False
        _received = 0

        def gotLength(self, length):
            if length is not None and length > settings.REQUEST_BODY_MAX_BYTES:
                return self._refuse()
            return super().gotLength(length)

        def handleContentChunk(self, data):
            if self._refused:
                return
            self._received += len(data)
            if self._received > settings.REQUEST_BODY_MAX_BYTES:
                return self._refuse()
            return super().handleContentChunk(data)

        def process(self):
            if not self._refused:
                return super().process()

        def _refuse(self):
            """Answer 413 on the connection now and close it; what still arrives is dropped."""
            self._refused = True
            self.content = io.BytesIO()
            # Twisted would answer "Expect: 100-continue" after this call: the client must not
            # be invited to send the body it is refused.
            self.requestHeaders.removeHeader(b"expect")
            path = getattr(self.channel, "_path", b"/").split(b"?")[0].decode("ascii", "replace")
            content_type, body = too_large(path, settings.REQUEST_BODY_MAX_BYTES)
            transport = self.channel.transport
            transport.write(b"HTTP/1.1 413 Content Too Large\r\nContent-Type: " + content_type +
                            b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
            transport.loseConnection()

    return LimitedWebRequest


def limit_daphne() -> None:
    """Make daphne's HTTP factory build LimitedWebRequest (it names its request class at module
    level; tests/api/test_body_limits.py checks this against a real server)."""
    import daphne.http_protocol

    if not hasattr(daphne.http_protocol.WebRequest, "_refuse"):
        daphne.http_protocol.WebRequest = limited_daphne_request()
