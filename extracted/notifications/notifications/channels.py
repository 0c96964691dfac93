"""The two ways a customer hears from us, each one call that sends or raises why it did not.

E-mail goes through Django's backend (EMAIL_BACKEND: one JSON log line locally, SMTP or SES in
production). SMS goes to Amazon SNS through integrations.sns's client. Failures that may pass raise
TryAgainLater; a refusal for good raises Undeliverable.
"""

from __future__ import annotations

import smtplib

from botocore.exceptions import BotoCoreError, ClientError
from django.core.mail import send_mail

from extracted.notifications.notifications.errors import TryAgainLater, Undeliverable
from integrations.sns import sns_client

# botocore retries throttling and 5xx itself a few times; the task's backoff does the rest.
SNS_RETRIES = 3
_THROTTLED = {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled",
              "TooManyRequestsException", "KMSThrottling"}


def email_send(*, to: str, subject: str, body: str) -> None:
    try:
        send_mail(subject, body, None, [to])
    except smtplib.SMTPRecipientsRefused as error:
        raise Undeliverable(f"e-mail refused: {error}") from error
    except (smtplib.SMTPException, OSError) as error:
        raise TryAgainLater(f"e-mail not sent: {error}") from error


def sms_send(*, phone: str, text: str) -> str:
    """Text `phone` through SNS; returns SNS's message id."""
    try:
        return sns_client(retries=SNS_RETRIES).publish(PhoneNumber=phone, Message=text)["MessageId"]
    except ClientError as error:
        raise _classified(error) from error
    except BotoCoreError as error:  # connection refused, timeouts, no credentials yet
        raise TryAgainLater(f"SNS unavailable: {error}") from error


def _classified(error: ClientError) -> TryAgainLater | Undeliverable:
    code = error.response.get("Error", {}).get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if code in _THROTTLED or status >= 500:
        return TryAgainLater(f"SNS throttled or failing ({code or status})")
    return Undeliverable(f"SNS refused the message ({code}): {error}")
