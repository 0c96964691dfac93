"""The middleware that runs the proxy's shadow copies as dry runs (see the package's docstring).

    MIDDLEWARE = ["chassis.request_id.RequestIdMiddleware", "chassis.dryrun.middleware.DryRunMiddleware", ...]

Outermost but for the request id, so everything after it (sessions, views, other middleware) runs inside
the rolled-back transaction and the dry run, and its refusals carry the request id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from chassis.dryrun.mail import require_guarded_email
from chassis.dryrun.state import DryRun, dry_run, suppressed
from chassis.errors import error_response
from chassis.identity import SHADOW_HEADER, SHADOW_META_KEY, verify_shadow

logger = logging.getLogger("chassis.dryrun")

HEADER = "X-Strangler-Dry-Run"
REFUSED_STATUS = 403
REFUSED_MESSAGE = (f"The {SHADOW_HEADER} marker is not valid (forged, expired or signed with another key). Only the "
                   "strangler proxy sends it, on the shadow copies it asks this service to dry-run.")


class DryRunMiddleware:
    """A request with a valid shadow marker runs as a dry run, rolled back; one with an invalid marker gets
    403; one without a marker runs as usual. Reads IDENTITY_SIGNING_KEYS and checks the e-mail backend once,
    at start-up, failing with ImproperlyConfigured naming the setting."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.keys = list(getattr(settings, "IDENTITY_SIGNING_KEYS", None) or [])
        if not self.keys:
            raise ImproperlyConfigured("IDENTITY_SIGNING_KEYS is empty: DryRunMiddleware cannot verify the proxy's "
                                       "shadow marker. Set it to the proxy's keys (see .env.example).")
        require_guarded_email()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        marker = request.META.get(SHADOW_META_KEY)
        if marker is None:
            return self.get_response(request)
        if not verify_shadow(marker, keys=self.keys):
            return error_response(REFUSED_STATUS, REFUSED_MESSAGE)
        return self._rolled_back(request)

    def _rolled_back(self, request: HttpRequest) -> HttpResponse:
        with dry_run() as run, ExitStack() as transactions:
            for alias in connections:
                transactions.enter_context(transaction.atomic(using=alias))
            response = self.get_response(request)
            _read_whole(response)  # a streamed body is produced now, inside the dry run, not after it
            for alias in connections:
                _discard_on_commit(alias)
                transaction.set_rollback(True, using=alias)
        response[HEADER] = run.summary()
        _log(request, response, run)
        return response


def _read_whole(response: HttpResponse) -> None:
    if isinstance(response, StreamingHttpResponse):
        response.streaming_content = [b"".join(response.streaming_content)]


def _discard_on_commit(alias: str) -> None:
    """Count (as suppressed) the on_commit callbacks the rollback is about to drop: those the request's
    transaction still holds, i.e. the ones a commit would have run. Django's own
    TestCase.captureOnCommitCallbacks reads the same list."""
    for entry in connections[alias].run_on_commit:  # (savepoint ids, callback, robust)
        suppressed("on_commit", _name(entry[1]), database=alias)


def _name(callback: Callable[[], object]) -> str:
    target = getattr(callback, "func", callback)  # functools.partial
    return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', repr(target))}"


def _log(request: HttpRequest, response: HttpResponse, run: DryRun) -> None:
    logger.info("dry run rolled back", extra={"method": request.method, "path": request.path,
                                              "status": response.status_code, "suppressed": dict(run.counts)})
