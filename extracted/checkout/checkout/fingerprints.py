"""Stable names for requests and for the saga's calls to other systems. Pure, like flow.py."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def request_fingerprint(*, method: str, path: str, body: Any, user_id: str) -> str:
    """Same caller, method, path and JSON body (whatever the key order or spacing): same fingerprint."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{user_id}\n{method.upper()} {path}\n{canonical}".encode()).hexdigest()


def processor_key(order_id: str, action: str) -> str:
    """The card processor's Idempotency-Key for `action` on `order_id`: the same on every retry."""
    return f"checkout-{order_id}-{action}"
