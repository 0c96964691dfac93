"""Helpers to talk to `POST /v1/nlu` and read its replies."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from django.test import Client

Say = Callable[..., list[dict[str, Any]]]  # the `say` fixture: texts in, reply messages out


def post_nlu(client: Client, body: Any, conversation_id: str | None = None) -> Any:
    """POST /v1/nlu with `body` (JSON-encoded unless already a string) and, if given, X-Conversation-ID."""
    headers = {"X-Conversation-ID": conversation_id} if conversation_id is not None else {}
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post("/v1/nlu", data=data, content_type="application/json", headers=headers)


def text_message(text: str) -> dict[str, Any]:
    return {"type": "unstructured", "unstructured": {"id": uuid.uuid4().hex, "text": text,
                                                     "timestamp": "2026-11-24T10:00:00Z"}}


def order_action(product_id: str) -> dict[str, Any]:
    return {"type": "structured", "structured": {"id": uuid.uuid4().hex, "type": "action", "text": "Order",
                                                 "payload": {"clickAction": "checkout", "productId": product_id}}}


def texts_of(messages: list[dict[str, Any]]) -> list[str]:
    return [message["unstructured"]["text"] for message in messages if message["type"] == "unstructured"]


def structured_of(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [message["structured"] for message in messages
            if message["type"] == "structured" and message["structured"]["type"] == kind]
