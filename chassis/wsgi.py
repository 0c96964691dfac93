"""The WSGI entry point every Django deployable uses.

gunicorn does not run Django's system checks, so this does, before the first request: a process with a
misconfiguration stops at start-up with the check's message instead of serving errors. Every answer that
refuses a body unread (413) closes the connection (see chassis.connection).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIHandler

from chassis import connection

logger = logging.getLogger(__name__)


def _fail_on_check_errors() -> None:
    from django.conf import settings

    production = getattr(settings, "ENVIRONMENT", "production") == "production"
    messages = checks.run_checks(include_deployment_checks=production)
    for message in messages:
        if not message.is_serious():
            logger.warning("system check: %s", message, extra={"check_id": message.id})
    serious = [message for message in messages if message.is_serious()]
    if serious:
        raise ImproperlyConfigured("; ".join(f"{m.id}: {m.msg} HINT: {m.hint}" for m in serious))


class ClosingAfterRefusedBody:
    """WSGI middleware: a 413 answer asks the server to close the connection, since the body is unread."""

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if status.split(" ", 1)[0] == "413":
                connection.close_after_response()
            return start_response(status, headers, exc_info)

        return self.application(environ, start)


def application_for(settings_module: str) -> WSGIApplication:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django

    django.setup(set_prefix=False)
    _fail_on_check_errors()
    return ClosingAfterRefusedBody(WSGIHandler())
