"""Who the monolith is serving right now, for the calls it makes to the catalogue service on their behalf.

`CallerMiddleware` keeps the request being handled for the length of the request (a context variable,
as chassis.request_id keeps the request id); `current_identity()` reads its user when asked, so a user
DRF authenticates inside the view (an API token) counts as much as a session's. Outside a request (a
management command, a test calling the gateway) there is no caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

from chassis.identity import ANONYMOUS, Identity
from strangler_django.identity import identity_of

_request: ContextVar[HttpRequest | None] = ContextVar("catalog_caller", default=None)


def current_identity() -> Identity:
    """The signed-in user of the request being handled, or ANONYMOUS."""
    request = _request.get()
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    return identity_of(user)


@contextmanager
def serving(request: HttpRequest) -> Iterator[None]:
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


class CallerMiddleware:
    """Keeps the request current while it is handled (after AuthenticationMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with serving(request):
            return self.get_response(request)
