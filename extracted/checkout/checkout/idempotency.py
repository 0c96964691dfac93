"""Client Idempotency-Keys: the same key and request get the first answer again, never a second order.

A key is claimed by inserting its row (unique per user) in the transaction that creates the order and
stores the answer, so the row exists exactly when the order does. Of two requests racing with one key,
the second's insert fails, its transaction (and order) rolls back, and it replays the first's answer.
A key first used with another request is refused (IdempotencyConflict) and creates nothing. Keys are
forgotten by a beat job after IDEMPOTENCY_KEY_TTL_HOURS (at least 24).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from extracted.checkout.checkout import selectors
from extracted.checkout.checkout.errors import IdempotencyConflict
from extracted.checkout.checkout.models import IdempotencyKey

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class KeyClaim:
    user_id: str
    key: str
    fingerprint: str


@dataclass(frozen=True)
class Answer:
    """An HTTP answer to store with a key, or one replayed from it."""

    status: int
    body: dict[str, Any]
    order_id: Any = None
    replayed: bool = False


def answer_replayed(claim: KeyClaim | None) -> Answer | None:
    """The answer first given under the key, None when the key is new (or there is none);
    IdempotencyConflict when the key was first used with another request."""
    if claim is None:
        return None
    stored = selectors.idempotency_key_get(user_id=claim.user_id, key=claim.key)
    if stored is None:
        return None
    if stored.fingerprint != claim.fingerprint:
        raise IdempotencyConflict()
    return Answer(stored.response_status, stored.response_body, stored.order_id, replayed=True)


def answer_once(claim: KeyClaim | None, act: Callable[[], Answer]) -> Answer:
    """`act()` (atomically, with the key claimed when there is one), or the answer a racing twin gave."""
    try:
        with transaction.atomic():
            answer = act()
            if claim is not None:
                IdempotencyKey.objects.create(user_id=claim.user_id, key=claim.key, fingerprint=claim.fingerprint,
                                              order_id=answer.order_id, response_status=answer.status,
                                              response_body=answer.body)
    except IntegrityError:
        replay = answer_replayed(claim)
        if replay is None:
            raise
        return replay
    return answer


def idempotency_keys_forget(*, older_than: datetime.datetime) -> int:
    """Delete keys created before `older_than`; returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=older_than).delete()
    return deleted
