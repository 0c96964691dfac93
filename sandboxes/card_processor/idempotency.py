"""Idempotency keys, as Stripe honours them on every POST.

The first request with a key claims it by inserting a row (the key is unique) in the same transaction
that acts and stores the answer, so the row exists exactly when the action committed. A concurrent
duplicate waits on that insert (PostgreSQL's unique index; SQLite's write lock) and then replays what
the first stored. Refusals raise and roll the claim back: only answers of requests that acted are kept.
A key older than the TTL is forgotten and may be used afresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from sandboxes.card_processor.errors import IdempotencyConflict
from sandboxes.card_processor.models import IdempotencyKey


@dataclass(frozen=True)
class Answer:
    """What a POST answers: a status and a JSON body, possibly replayed from the first request."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


def fingerprint(*, method: str, path: str, body: dict[str, Any]) -> str:
    """Same method, path and JSON body (whatever the key order or spacing) give the same fingerprint."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def answer_once(*, key: str | None, fingerprint: str, act: Callable[[], Answer]) -> Answer:
    """Run `act` (atomically) unless `key` was used before; then replay or refuse a different request."""
    with transaction.atomic():
        if key is None:
            return act()
        _forget_if_expired(key)
        claim = _claim(key, fingerprint)
        if claim is None:
            return _replay(key, fingerprint)
        answer = act()
        claim.status, claim.response = answer.status, answer.body
        claim.save(update_fields=["status", "response"])
        return answer


def _forget_if_expired(key: str) -> None:
    cutoff = timezone.now() - timedelta(seconds=settings.CARD_SANDBOX_IDEMPOTENCY_TTL_SECONDS)
    IdempotencyKey.objects.filter(key=key, created__lt=cutoff).delete()


def _claim(key: str, fingerprint: str) -> IdempotencyKey | None:
    """The new row for `key`, or None when another request (committed) holds it."""
    try:
        with transaction.atomic():  # a savepoint: the outer transaction stays usable after a clash
            return IdempotencyKey.objects.create(key=key, fingerprint=fingerprint)
    except IntegrityError:
        return None


def _replay(key: str, fingerprint: str) -> Answer:
    first = IdempotencyKey.objects.get(key=key)
    if first.fingerprint != fingerprint:
        raise IdempotencyConflict(
            "idempotency_key_reused",
            f"Keys for idempotent requests can only be used with the same parameters they were first "
            f"used with. Try a key other than '{key}' if you meant to make a different request.")
    return Answer(status=first.status, body=first.response, replayed=True)
