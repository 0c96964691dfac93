"""An e-mail backend that writes each message as one JSON log line on stdout.

Django's console backend prints raw multi-line text, which breaks the one-JSON-object-per-line rule;
this one keeps the same local convenience (read the mail in the process output) in the log stream.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

logger = logging.getLogger("chassis.mail")


class JsonConsoleEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            logger.info(
                "email sent",
                extra={
                    "email_to": list(message.to),
                    "email_from": message.from_email,
                    "email_subject": message.subject,
                    "email_body": message.body,
                },
            )
        return len(email_messages)
