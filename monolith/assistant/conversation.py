"""Conversation state, kept in Redis so that any process can answer the next message.

One JSON document per conversation, under `concierge:conversation:<conversation id>`:

    {"last_search": {"words": ["chocolates"], "category": "chocolates", "max_price_cents": 3000} | null,
     "last_product_ids": ["milk-chocolate-hearts", "chocolate-truffles"],
     "delivery_date": "2026-11-25" | null,
     "pending_order": {"product_id": "chocolate-truffles", "delivery_date": "2026-11-25" | null} | null}

Every save resets the expiry to `CONVERSATION_TTL_SECONDS`, so only idle conversations are forgotten.
A document that cannot be read (say, written by an older release) counts as a fresh conversation.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

KEY_PREFIX = "concierge:conversation:"


class ConversationStoreUnavailable(Exception):
    """Redis could not be reached, so the conversation could be neither read nor saved."""


@dataclass(frozen=True)
class Search:
    """What the shopper last searched for, kept so that "something cheaper" can run it again."""

    words: tuple[str, ...] = ()
    category: str | None = None
    max_price_cents: int | None = None


@dataclass(frozen=True)
class PendingOrder:
    """The product the shopper pressed Order on, waiting for delivery details."""

    product_id: str
    delivery_date: date | None = None


@dataclass
class Conversation:
    last_search: Search | None = None
    last_product_ids: list[str] = field(default_factory=list)
    delivery_date: date | None = None  # remembered until the shopper names another one
    pending_order: PendingOrder | None = None


def conversation_key(conversation_id: str) -> str:
    return f"{KEY_PREFIX}{conversation_id}"


def conversation_get(*, conversation_id: str) -> Conversation:
    """The stored conversation, or a fresh one when none is stored (or it has expired)."""
    try:
        raw = _redis().get(conversation_key(conversation_id))
    except redis.RedisError as exc:
        raise ConversationStoreUnavailable(str(exc)) from exc
    return _load(raw, conversation_id) if raw else Conversation()


def conversation_save(*, conversation_id: str, conversation: Conversation) -> None:
    document = json.dumps(asdict(conversation), default=_iso_date)
    try:
        _redis().set(conversation_key(conversation_id), document, ex=settings.CONVERSATION_TTL_SECONDS)
    except redis.RedisError as exc:
        raise ConversationStoreUnavailable(str(exc)) from exc


# ---------------------------------------------------------------- (de)serialising
def _iso_date(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a conversation")


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _load(raw: str, conversation_id: str) -> Conversation:
    try:
        return _from_document(json.loads(raw))
    except (ValueError, KeyError, TypeError, AttributeError):
        logger.warning("unreadable conversation state; starting afresh", extra={"conversation_id": conversation_id})
        return Conversation()


def _from_document(document: dict[str, Any]) -> Conversation:
    search, order = document["last_search"], document["pending_order"]
    return Conversation(
        last_search=Search(tuple(search["words"]), search["category"], search["max_price_cents"]) if search else None,
        last_product_ids=[str(product_id) for product_id in document["last_product_ids"]],
        delivery_date=_date(document["delivery_date"]),
        pending_order=PendingOrder(order["product_id"], _date(order["delivery_date"])) if order else None,
    )


# ---------------------------------------------------------------- client
_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    """One client per process, made on first use (settings are complete by then); it pools connections."""
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)
    return _client
