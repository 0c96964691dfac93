"""The e-mail backend that sends nothing in a dry run, and through the configured backend otherwise.

    EMAIL_BACKEND = "chassis.dryrun.mail.GuardedEmailBackend"
    GUARDED_EMAIL_BACKEND = env_str("EMAIL_BACKEND", "chassis.mail.JsonConsoleEmailBackend")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from chassis.dryrun.state import active, suppressed

GUARDED = f"{__name__}.GuardedEmailBackend"


def require_guarded_email() -> None:
    """Raise ImproperlyConfigured unless EMAIL_BACKEND is this guard over a GUARDED_EMAIL_BACKEND."""
    if settings.EMAIL_BACKEND != GUARDED:
        raise ImproperlyConfigured(f"EMAIL_BACKEND is {settings.EMAIL_BACKEND!r}: a dry run would send e-mail. Set "
                                   f"EMAIL_BACKEND = {GUARDED!r} and GUARDED_EMAIL_BACKEND to the backend that sends.")
    _sending_backend()


def _sending_backend() -> str:
    backend = getattr(settings, "GUARDED_EMAIL_BACKEND", "")
    if not backend or backend == GUARDED:
        raise ImproperlyConfigured("GUARDED_EMAIL_BACKEND must name the e-mail backend that sends (e.g. "
                                   "chassis.mail.JsonConsoleEmailBackend), not be empty or the guard itself.")
    return str(backend)


class GuardedEmailBackend(BaseEmailBackend):
    """GUARDED_EMAIL_BACKEND's sending, except in a dry run: then each message is logged as suppressed and
    reported sent, so the code that sent it carries on as it would have."""

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently)
        self.sender = get_connection(_sending_backend(), fail_silently=fail_silently, **kwargs)

    def open(self) -> bool | None:
        return self.sender.open()

    def close(self) -> None:
        self.sender.close()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not active():
            return self.sender.send_messages(email_messages)
        for message in email_messages:
            suppressed("email", str(message.subject), email_to=list(message.to))
        return len(email_messages)
