"""Request ids: accept a well-formed incoming `X-Request-ID` or make one, and carry it everywhere.

The id lives in a context variable for the duration of a request (or a Celery task), so the log filter,
the service HTTP client and the Celery publisher can all read it without being handed it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
# Long enough for a UUID or a trace id, short and plain enough to be safe in logs and headers.
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def current() -> str | None:
    """The id of the request (or task) being handled, if any."""
    return _current.get()


def new() -> str:
    return uuid.uuid4().hex


def accept(candidate: str | None) -> str:
    """The incoming id when it is well formed, else a fresh one."""
    if candidate and _WELL_FORMED.match(candidate):
        return candidate
    return new()


def bind(value: str | None) -> Token[str | None]:
    """Make `value` current until `unbind` is called with the returned token."""
    return _current.set(value)


def unbind(token: Token[str | None]) -> None:
    _current.reset(token)


@contextmanager
def bound(request_id: str | None) -> Iterator[str | None]:
    """Make `request_id` current inside the block, restoring the previous one after."""
    token = bind(request_id)
    try:
        yield request_id
    finally:
        unbind(token)


class RequestIdMiddleware:
    """Binds the request id for the whole request and echoes it on the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accept(request.META.get(META_KEY))
        request.META[META_KEY] = request_id
        request.request_id = request_id  # type: ignore[attr-defined]  # ours: HttpRequest declares no request_id
        with bound(request_id):
            response = self.get_response(request)
        response[HEADER] = request_id
        return response
