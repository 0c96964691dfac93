"""The WSGI entry point every Django deployable uses.

gunicorn does not run Django's system checks, so this does, before the first request: a process with a
misconfiguration stops at start-up with the check's message instead of serving errors.
"""

from __future__ import annotations

import logging
import os

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIHandler

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


def application_for(settings_module: str) -> WSGIHandler:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django

    django.setup(set_prefix=False)
    _fail_on_check_errors()
    return WSGIHandler()
