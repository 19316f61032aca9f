"""Requests through the whole ASGI application as daphne calls it (vcenter_web.asgi.application):
the scope's client address, the body in as many messages as wanted, no test-client shortcuts."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator


def asgi_request(method: str, path: str, *, body_parts=(b"",), headers=(), client=("127.0.0.1", 50000),
                 query: str = ""):
    """(status, headers as a dict, body) of one HTTP request; `body_parts` arrive as separate
    http.request messages (a chunked upload)."""
    from vcenter_web.asgi import application

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode("latin1"), "query_string": query.encode(), "root_path": "",
        "headers": [(k.lower().encode(), v.encode("latin1")) for k, v in headers],
        "client": list(client), "server": ["127.0.0.1", 8000],
    }

    async def run():
        communicator = ApplicationCommunicator(application, scope)
        parts = list(body_parts)
        for i, part in enumerate(parts):
            await communicator.send_input({"type": "http.request", "body": part, "more_body": i < len(parts) - 1})
        start = await communicator.receive_output(20)
        chunks = []
        while True:
            message = await communicator.receive_output(20)
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        await communicator.wait(5)
        return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, b"".join(chunks)

    return async_to_sync(run)()
