"""Request bodies read strictly: JSON objects with exactly the parameters an endpoint knows, typed.

Anything else is an InvalidRequest naming the parameter, never a 500. Amounts are integer cents
(booleans are not integers), currencies three lower-case letters, metadata a flat map of strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

from chassis import json_bodies
from sandboxes.card_processor.errors import InvalidRequest, RequestTooLarge

MAX_AMOUNT = 99_999_999  # Stripe's limit for two-decimal currencies
_CURRENCY = re.compile(r"^[a-z]{3}$")
_PAYMENT_METHOD = re.compile(r"^pm_card_[A-Za-z0-9_]+$")
_MAX_METADATA_KEYS = 50


@dataclass(frozen=True)
class IntentCreate:
    amount: int
    currency: str
    payment_method: str
    capture_method: str
    metadata: dict[str, str]


@dataclass(frozen=True)
class RefundCreate:
    payment_intent: str
    amount: int | None


def read_json(request: HttpRequest) -> dict[str, Any]:
    """The body as a JSON object; an empty body is an empty object."""
    raw = _body(request)
    if not raw:
        return {}
    try:
        data = json_bodies.loads(raw)
    except ValueError:  # bad syntax, or nested deeper than any request needs
        raise InvalidRequest("invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidRequest("invalid_json", "The request body must be a JSON object.")
    return data


def _body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raise RequestTooLarge("request_too_large", f"The request body is larger than {limit} bytes.") from None


def intent_create(body: dict[str, Any]) -> IntentCreate:
    _only(body, {"amount", "currency", "payment_method", "capture_method", "metadata"})
    return IntentCreate(
        amount=_amount(body, "amount"),
        currency=_matching(body, "currency", _CURRENCY, "three lower-case letters"),
        payment_method=_payment_method(body),
        capture_method=_choice(body, "capture_method", ("automatic", "manual"), default="automatic"),
        metadata=_metadata(body),
    )


def refund_create(body: dict[str, Any]) -> RefundCreate:
    _only(body, {"payment_intent", "amount"})
    amount = _amount(body, "amount") if "amount" in body else None
    return RefundCreate(payment_intent=_string(body, "payment_intent"), amount=amount)


def no_params(body: dict[str, Any], *, allowed: frozenset[str] = frozenset()) -> None:
    """Capture and cancel take (almost) nothing; still refuse what they do not know."""
    _only(body, set(allowed))


def _only(body: dict[str, Any], known: set[str]) -> None:
    for name in body:
        if name not in known:
            raise InvalidRequest("parameter_unknown", f"Received unknown parameter: {name}", param=name)


def _present(body: dict[str, Any], name: str) -> Any:
    if body.get(name) is None:
        raise InvalidRequest("parameter_missing", f"Missing required param: {name}.", param=name)
    return body[name]


def _string(body: dict[str, Any], name: str) -> str:
    value = _present(body, name)
    if not isinstance(value, str) or not value:
        raise InvalidRequest("parameter_invalid_string", f"{name} must be a non-empty string.", param=name)
    return value


def _amount(body: dict[str, Any], name: str) -> int:
    value = _present(body, name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest("parameter_invalid_integer", f"{name} must be an integer (cents).", param=name)
    if value < 1:
        raise InvalidRequest("amount_too_small", f"{name} must be at least 1.", param=name)
    if value > MAX_AMOUNT:
        raise InvalidRequest("amount_too_large", f"{name} must be at most {MAX_AMOUNT}.", param=name)
    return value


def _matching(body: dict[str, Any], name: str, pattern: re.Pattern[str], wanted: str) -> str:
    value = _string(body, name)
    if not pattern.match(value):
        raise InvalidRequest("parameter_invalid_string", f"{name} must be {wanted}.", param=name)
    return value


def _choice(body: dict[str, Any], name: str, choices: tuple[str, ...], *, default: str) -> str:
    value = body.get(name, default)
    if value not in choices:
        raise InvalidRequest("parameter_invalid_string", f"{name} must be one of {', '.join(choices)}.",
                             param=name)
    return value


def _payment_method(body: dict[str, Any]) -> str:
    value = _string(body, "payment_method")
    if not _PAYMENT_METHOD.match(value):
        raise InvalidRequest("resource_missing", f"No such PaymentMethod: '{value}'", param="payment_method")
    return value


def _metadata(body: dict[str, Any]) -> dict[str, str]:
    value = body.get("metadata")
    if value is None:
        return {}
    valid = isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if not valid or len(value) > _MAX_METADATA_KEYS:
        raise InvalidRequest("parameter_invalid_metadata",
                             f"metadata must be an object of at most {_MAX_METADATA_KEYS} string values.",
                             param="metadata")
    return value
