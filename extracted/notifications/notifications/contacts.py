"""The customer's phone number, asked of the monolith, which owns accounts.

    GET {MONOLITH_URL}/internal/accounts/{user_id}/contact      X-Strangler-Internal: sign_internal(...)
      200 {"user_id", "email", "phone"}  → Contact
      404                                → None: the monolith does not know the customer
      anything else, or no answer        → TryAgainLater: the SMS waits, the e-mail does not
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

import requests
from django.conf import settings

from chassis.http import ServiceSession
from chassis.identity import INTERNAL_HEADER, sign_internal
from extracted.notifications.notifications.errors import TryAgainLater


@dataclass(frozen=True)
class Contact:
    """How to reach a customer besides the e-mail the event carries; `phone` is "" when unknown."""

    phone: str


@lru_cache(maxsize=1)
def _monolith() -> ServiceSession:
    return ServiceSession(settings.MONOLITH_URL)


def contact_get(*, user_id: str) -> Contact | None:
    """The customer's contact details, or None when the monolith has no such customer."""
    try:
        response = _monolith().get(f"/internal/accounts/{quote(user_id, safe='')}/contact",
                                   headers={INTERNAL_HEADER: sign_internal(keys=settings.IDENTITY_SIGNING_KEYS)})
    except requests.RequestException as error:
        raise TryAgainLater(f"contact lookup failed: {error.__class__.__name__}") from error
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise TryAgainLater(f"contact lookup answered {response.status_code}")
    return Contact(phone=_phone(response))


def _phone(response: requests.Response) -> str:
    try:
        phone = response.json()["phone"]
    except (ValueError, KeyError, TypeError) as error:
        raise TryAgainLater("contact lookup answered without a phone field") from error
    return phone if isinstance(phone, str) else ""
