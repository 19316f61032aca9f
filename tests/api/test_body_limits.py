"""Request bodies above REQUEST_BODY_MAX_BYTES are refused before they are read or spooled: 413,
in the API's error format under /api/ and as a plain page elsewhere; through the ASGI application
(any server) and through daphne itself (`manage.py serve`, where Twisted would otherwise write the
whole body to a temporary file first)."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.api.asgi import asgi_request
from tests.conftest import shared_database_url

ROOT = Path(__file__).resolve().parents[2]
LIMIT = settings.REQUEST_BODY_MAX_BYTES
pytestmark = pytest.mark.django_db(transaction=True)  # the ASGI handler uses its own threads


def test_an_announced_oversized_body_is_refused_at_once_in_the_api_format():
    # 200 MB announced, not one byte sent: the answer comes without the body being read
    status, headers, body = asgi_request("POST", "/api/labs", body_parts=[b""],
                                         headers=[("Content-Length", str(200 * 1024 * 1024)),
                                                  ("Content-Type", "application/json")])
    assert status == 413 and headers["content-type"] == "application/json"
    error = json.loads(body)
    assert error["error_type"] == "INVALID_ARGUMENT"
    assert f"larger than {LIMIT:,} bytes" in error["messages"][0]["default_message"]


def test_an_oversized_form_post_gets_a_plain_page():
    status, headers, body = asgi_request("POST", "/login/", headers=[("Content-Length", str(LIMIT + 1))])
    assert status == 413 and headers["content-type"].startswith("text/html") and b"Request too large" in body


def test_a_chunked_body_is_counted_as_it_streams_and_refused_past_the_limit():
    part = b"x" * (64 * 1024)
    parts = [part] * (LIMIT // len(part) + 2)  # no Content-Length: the parts add up past the limit
    status, _, body = asgi_request("POST", "/api/labs", body_parts=parts, headers=[("Content-Type", "application/json")])
    assert status == 413 and json.loads(body)["error_type"] == "INVALID_ARGUMENT"


def test_a_body_within_the_limit_reaches_the_api():
    body = json.dumps({"preset": "seed-article"}).encode()
    status, headers, answer = asgi_request("POST", "/api/labs", body_parts=[body[:10], body[10:]], headers=[
        ("Content-Type", "application/json")])
    assert status == 401 and json.loads(answer)["error_type"] == "UNAUTHENTICATED"  # read, then refused: no token


def test_djangos_own_refusal_of_a_big_body_is_in_the_api_format(client, api, lab):
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    response = client.post(f"/api/labs/{lab.moid}/vcenter/datacenter", json.dumps({"name": big}),
                           content_type="application/json", **api.headers)
    assert response.status_code == 400 and response.json()["error_type"] == "INVALID_ARGUMENT"


# --- through daphne ------------------------------------------------------------------------

@pytest.fixture
def daphne_port(transactional_db):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": shared_database_url(), "SIM_RUNNER": "off", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "manage.py", "serve", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while True:  # waiting for another process to listen
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start: {process.stdout.read() if process.poll() is not None else ''}")
            time.sleep(0.05)
    yield port
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    print("serve said:", process.stdout.read()[-4000:])


def read_response(sock) -> bytes:
    sock.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + int(
            dict(line.split(b": ", 1) for line in data.split(b"\r\n\r\n")[0].split(b"\r\n")[1:]).get(
                b"Content-Length", b"0")):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_daphne_refuses_an_announced_200_mb_body_before_receiving_it(daphne_port):
    with socket.create_connection(("127.0.0.1", daphne_port)) as sock:
        sock.sendall(b"POST /api/labs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 209715200\r\n\r\n{\"pre")
        response = read_response(sock)
    assert response.startswith(b"HTTP/1.1 413 ")
    assert json.loads(response.split(b"\r\n\r\n", 1)[1])["error_type"] == "INVALID_ARGUMENT"


def test_daphne_refuses_a_chunked_body_while_it_streams(daphne_port):
    with socket.create_connection(("127.0.0.1", daphne_port)) as sock:
        sock.sendall(b"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        try:
            for _ in range(LIMIT // len(chunk) + 2):  # past the limit, and the last chunk never sent
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while we were still sending
        response = read_response(sock)
    assert response.startswith(b"HTTP/1.1 413 ") and b"Request too large" in response


def test_daphne_still_serves_ordinary_requests_and_a_nul_path_is_not_found(daphne_port):
    body = b'{"preset": "seed-article"}'
    with socket.create_connection(("127.0.0.1", daphne_port)) as sock:
        sock.sendall(b"POST /api/labs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(body) + body)
        assert read_response(sock).startswith(b"HTTP/1.1 401 ")  # read, then refused for want of a token
    with socket.create_connection(("127.0.0.1", daphne_port)) as sock:
        sock.sendall(b"GET /api/labs/lab-1%00/vcenter/vm HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        response = read_response(sock)
    assert response.startswith(b"HTTP/1.1 404 ") and b'"NOT_FOUND"' in response
