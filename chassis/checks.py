"""Start-up checks (Django system checks) that refuse an unsafe production configuration.

Each has an id and a hint, like Django's own. They run on every `manage.py` command and, through
`chassis.wsgi`, before a web process serves its first request; an error stops the process. What makes a
key weak is decided in chassis.keys, which the proxy's start-up asks too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from chassis.keys import GENERATE_HINT, SECRET_KEY_MIN_LENGTH, SIGNING_KEY_MIN_LENGTH, key_weakness, weak_keys


def _is_production() -> bool:
    return getattr(settings, "ENVIRONMENT", "production") == "production"


@register("chassis")
def check_production_safety(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not _is_production():
        return []
    errors = []
    if settings.DEBUG:
        errors.append(Error(
            "DEBUG is on in production.",
            hint="Set DEBUG=false, or ENVIRONMENT=development for a local run.",
            id="chassis.E001",
        ))
    if key_weakness(settings.SECRET_KEY, min_length=SECRET_KEY_MIN_LENGTH):
        errors.append(Error(
            "SECRET_KEY is weak or a known example value.",
            hint=f"Set SECRET_KEY to {SECRET_KEY_MIN_LENGTH}+ random characters, e.g. "
                 "python -c 'import secrets; print(secrets.token_urlsafe(50))'.",
            id="chassis.E002",
        ))
    if not settings.ALLOWED_HOSTS:
        errors.append(Error(
            "ALLOWED_HOSTS is empty in production.",
            hint="Set ALLOWED_HOSTS to the comma-separated host names this service answers to.",
            id="chassis.E003",
        ))
    errors.extend(_identity_key_errors())
    return errors


def _identity_key_errors() -> list[Error]:
    # Every key verifies, so one example key among sound ones still lets anyone forge an identity.
    weak = weak_keys(getattr(settings, "IDENTITY_SIGNING_KEYS", None) or [], min_length=SIGNING_KEY_MIN_LENGTH)
    if not weak:
        return []
    return [Error(
        f"IDENTITY_SIGNING_KEYS has a weak or example key: {'; '.join(weak)}.",
        hint=f"Give every key {SIGNING_KEY_MIN_LENGTH}+ random characters, e.g. {GENERATE_HINT}, and set the "
             "same IDENTITY_SIGNING_KEYS on the proxy and every service.",
        id="chassis.E004",
    )]
