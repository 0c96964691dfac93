"""One view: log what arrived, then answer as the path asks (see the package docstring)."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse, StreamingHttpResponse

logger = logging.getLogger("echo")
PIECE = 65536


def received(request: HttpRequest) -> dict[str, Any]:
    """What the upstream got: gunicorn's raw request target, every header, the whole body's length."""
    environ = request.environ
    # Read gunicorn's own input: it decodes chunked bodies, which Django's CONTENT_LENGTH-bound stream skips.
    body = environ["wsgi.input"].read()
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_LENGTH", "CONTENT_TYPE"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return {"method": request.method, "raw_uri": environ.get("RAW_URI"), "path": request.path,
            "query": environ.get("QUERY_STRING", ""), "headers": headers, "body_length": len(body)}


def dispatch(request: HttpRequest) -> HttpResponse:
    if request.path == "/upload":
        # Logged before the body is read: proof that the head arrived while the body is still coming.
        logging.getLogger("echo.head").info("head", extra={"request_tag": request.headers.get("X-Test-Id")})
    record = received(request)
    logger.info("received", extra={"received": record, "request_tag": record["headers"].get("x-test-id")})
    request.get_host()  # Django's host check, as CommonMiddleware does it: DisallowedHost is a 400
    path = request.path
    if path == "/redirect":
        return HttpResponseRedirect("/landed")
    if path == "/cookies":
        return _cookies()
    if path == "/stream":
        return StreamingHttpResponse(_pieces(int(request.GET["bytes"])), content_type="application/octet-stream")
    if path.startswith("/sleep"):
        time.sleep(float(request.GET.get("seconds", "5")))
    if path == "/close":
        request.environ["gunicorn.socket"].shutdown(socket.SHUT_RDWR)
    return JsonResponse(_answer(record))


def _answer(record: dict[str, Any]) -> dict[str, Any]:
    """What was received, plus the time it is answered (a field that differs between any two answers) and,
    when ECHO_FLAVOUR is set, a `flavour` field (a stand-in service that answers differently)."""
    answer = {**record, "served_at": time.time()}
    flavour = os.environ.get("ECHO_FLAVOUR")
    if flavour:
        answer["flavour"] = flavour
    return answer


def _cookies() -> HttpResponse:
    response = HttpResponse("cookies set")
    response.set_cookie("first", "1", httponly=True)
    response.set_cookie("second", "2", samesite="Lax")
    return response


def _pieces(total: int) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        size = min(PIECE, total - sent)
        yield b"x" * size
        sent += size
