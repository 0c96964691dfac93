"""Start-up checks (Django system checks) that refuse an unsafe production configuration.

Each has an id and a hint, like Django's own. They run on every `manage.py` command and, through
`chassis.wsgi`, before a web process serves its first request; an error stops the process.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

# Values that must never reach production: Django's generated-key prefix and the local example value.
_KNOWN_WEAK_PREFIXES = ("django-insecure", "insecure-local-only")
_MIN_KEY_LENGTH = 50
_MIN_KEY_UNIQUE_CHARS = 5


def _is_production() -> bool:
    return getattr(settings, "ENVIRONMENT", "production") == "production"


def _weak_secret_key(key: str) -> bool:
    return (
        len(key) < _MIN_KEY_LENGTH
        or len(set(key)) < _MIN_KEY_UNIQUE_CHARS
        or key.startswith(_KNOWN_WEAK_PREFIXES)
    )


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
    if _weak_secret_key(settings.SECRET_KEY):
        errors.append(Error(
            "SECRET_KEY is weak or a known example value.",
            hint=f"Set SECRET_KEY to {_MIN_KEY_LENGTH}+ random characters, e.g. "
                 "python -c 'import secrets; print(secrets.token_urlsafe(50))'.",
            id="chassis.E002",
        ))
    if not settings.ALLOWED_HOSTS:
        errors.append(Error(
            "ALLOWED_HOSTS is empty in production.",
            hint="Set ALLOWED_HOSTS to the comma-separated host names this service answers to.",
            id="chassis.E003",
        ))
    return errors
