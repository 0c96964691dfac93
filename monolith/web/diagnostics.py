"""Endpoints for measuring what sits in front of the monolith (benchmarks/proxy.py), off by default.

    GET /_diag/fast           a small JSON body: no database, no Redis
    GET /_diag/wait?ms=20     the same after sleeping `ms` milliseconds (0..1000), like a view waiting on I/O

Both run through the full middleware stack, as real endpoints do, so a benchmark sees the monolith's
real per-request cost. They answer 404 unless `DIAGNOSTIC_ENDPOINTS=true`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from chassis.errors import error_response

MAX_WAIT_MS = 1000

View = Callable[..., JsonResponse]


def _diagnostic(view: View) -> View:
    """Hides `view` behind the DIAGNOSTIC_ENDPOINTS switch: when off, the path does not exist."""

    get_only = require_GET(view)

    @wraps(view)
    def wrapped(request: HttpRequest) -> JsonResponse:
        # Checked before the method, so a switched-off endpoint answers 404 to every method alike.
        if not getattr(settings, "DIAGNOSTIC_ENDPOINTS", False):
            raise Http404("diagnostic endpoints are off")
        return get_only(request)

    return wrapped


def _wait_ms(raw: str | None) -> int:
    """The `ms` query parameter as an integer in 0..MAX_WAIT_MS; ValueError otherwise."""
    if raw is None:
        return 0
    value = int(raw)
    if not 0 <= value <= MAX_WAIT_MS:
        raise ValueError(raw)
    return value


@_diagnostic
def fast(request: HttpRequest) -> JsonResponse:
    """A small JSON answer computed from memory."""
    return JsonResponse({"status": "ok", "endpoint": "fast"})


@_diagnostic
def wait(request: HttpRequest) -> JsonResponse:
    """A small JSON answer after sleeping `ms` milliseconds, holding the worker thread as a slow view would."""
    try:
        ms = _wait_ms(request.GET.get("ms"))
    except ValueError:
        return error_response(400, f"ms must be an integer from 0 to {MAX_WAIT_MS}.")
    time.sleep(ms / 1000)
    return JsonResponse({"status": "ok", "endpoint": "wait", "waited_ms": ms})


urlpatterns = [path("fast", fast, name="diag-fast"), path("wait", wait, name="diag-wait")]
