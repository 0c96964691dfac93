"""A body over the limit is refused unread with a 413 that closes the connection, in every web process.

The requests declare a body and never send it: the answer must come without the body being read, say
`Connection: close` (a proxy must not reuse a connection with unread body bytes on it) and be closed.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import RequestFactory

from chassis.errors import handler400
from tests.support.processes import ManagedProcess, process_env
from tests.support.waiting import free_port

LIMIT = 4096
DEPLOYABLES = {
    "monolith": ("monolith.concierge.wsgi", "/v1/nlu", {}),
    "checkout": ("extracted.checkout.wsgi", "/v1/checkout",
                 {"CATALOG_URL": "http://127.0.0.1:1", "CARD_PROCESSOR_URL": "http://127.0.0.1:2"}),
}


@pytest.fixture(scope="module", params=sorted(DEPLOYABLES))
def web(request, tmp_path_factory) -> Iterator[tuple[int, str]]:
    """The deployable's web process, as the Procfile runs it, with a 4 KiB body limit."""
    module, path, extra = DEPLOYABLES[request.param]
    database = Path(tmp_path_factory.mktemp(request.param)) / "db.sqlite3"
    port = free_port()
    env = process_env(PORT=str(port), BIND_HOST="127.0.0.1", WEB_CONCURRENCY="1", SERVICE_NAME=request.param,
                      ENVIRONMENT="development", READ_DOT_ENV="false", DATABASE_URL=f"sqlite:///{database}",
                      MAX_REQUEST_BODY_BYTES=str(LIMIT), **extra)
    process = ManagedProcess(["gunicorn", "-c", "python:chassis.gunicorn_conf", module], env)
    process.wait_for_http(f"http://127.0.0.1:{port}/healthz")
    yield port, path
    process.stop()


def send_head(sock: socket.socket, path: str, *, content_length: int) -> http.client.HTTPResponse:
    """A POST's head declaring `content_length` bytes of JSON, none of them sent; the parsed answer."""
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {content_length}\r\n\r\n".encode())
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response


def test_a_body_over_the_limit_is_a_413_in_the_error_shape_that_closes_the_connection(web):
    port, path = web
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        response = send_head(sock, path, content_length=LIMIT + 1)
        body = json.loads(response.read())
        assert response.status == 413
        assert response.getheader("Connection") == "close"
        assert body["code"] == 413 and str(LIMIT) in body["message"] and body["request_id"]
        assert sock.recv(1) == b""  # closed by the server, not waiting for the rest of the body


def test_an_answer_within_the_limit_keeps_the_connection_open(web):
    port, _ = web
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        response = http.client.HTTPResponse(sock)
        response.begin()
        response.read()
        assert response.status == 200 and response.getheader("Connection") != "close"
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        again = http.client.HTTPResponse(sock)
        again.begin()
        assert again.status == 200


def test_django_refusing_a_body_it_was_asked_to_read_is_a_413_in_the_error_shape():
    response = handler400(RequestFactory().post("/v1/nlu"), RequestDataTooBig("too big"))
    body = json.loads(response.content)
    assert response.status_code == 413
    assert body["code"] == 413 and body["message"] and "request_id" in body
