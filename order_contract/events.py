"""The order-event contract: what the checkout publishes and the notifications worker consumes.

Both sides import this module and nothing of each other. An event travels as the single argument of a
named Celery task on its own queue, so the publisher needs neither the consumer's code nor its address:

    checkout ──publish(app, event)──► queue "notifications" ──► task "notifications.events.handle_order_event"

The wire form (`to_message()`) is a plain JSON object with exactly the fields of `OrderEvent`; a message
with a missing, unknown or wrongly typed field is refused whole, every problem named. A republished
event keeps its `event_id` (`event_id_for`), which is what lets the consumer act on it once.

Publish after the order's transaction commits (`transaction.on_commit`), never inside it: a rolled-back
order must not be announced.

    InvalidEvent    a message or an OrderEvent breaks the contract (a ValueError)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from celery import Celery

OrderEventType = Literal["order.confirmed", "order.failed"]
ORDER_CONFIRMED: OrderEventType = "order.confirmed"
ORDER_FAILED: OrderEventType = "order.failed"
ORDER_EVENT_TYPES: tuple[str, ...] = (ORDER_CONFIRMED, ORDER_FAILED)

NOTIFICATIONS_TASK = "notifications.events.handle_order_event"
NOTIFICATIONS_QUEUE = "notifications"

_NON_EMPTY_TEXT = ("event_id", "order_id", "user_id", "product_name", "currency", "delivery_address")


class InvalidEvent(ValueError):
    """A message or an OrderEvent breaks the contract; the text names every problem."""


@dataclass(frozen=True)
class OrderEvent:
    """Something final happened to an order. Validated on construction, so an invalid one never exists.

    `email` may be "" when the customer has none; `reason` says why an order failed and is None for a
    confirmed one. Times are ISO 8601 strings: `occurred_at` with a UTC offset, `delivery_date` a date.
    """

    event_id: str
    type: OrderEventType
    order_id: str
    occurred_at: str
    user_id: str
    email: str
    product_name: str
    amount_cents: int
    currency: str
    delivery_address: str
    delivery_date: str
    reason: str | None

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise InvalidEvent(f"invalid order event: {'; '.join(problems)}")

    @classmethod
    def for_order(cls, *, type: OrderEventType, order_id: str, user_id: str, email: str, product_name: str,
                  amount_cents: int, currency: str, delivery_address: str, delivery_date: str,
                  reason: str | None = None, occurred_at: str | None = None) -> OrderEvent:
        """An event with the stable id for (order, type) and, unless given, the current time."""
        return cls(event_id=event_id_for(order_id=order_id, type=type), type=type, order_id=order_id,
                   occurred_at=occurred_at or datetime.now(UTC).isoformat(), user_id=user_id,
                   email=email, product_name=product_name, amount_cents=amount_cents, currency=currency,
                   delivery_address=delivery_address, delivery_date=delivery_date, reason=reason)

    def to_message(self) -> dict[str, Any]:
        """The wire form: a JSON-able dict with exactly the dataclass's fields."""
        return asdict(self)

    @classmethod
    def from_message(cls, message: Any) -> OrderEvent:
        """The event a message carries; InvalidEvent names what is missing, unknown or malformed."""
        if not isinstance(message, dict):
            raise InvalidEvent(f"invalid order event: expected a JSON object, got {type(message).__name__}")
        expected = {field.name for field in fields(cls)}
        missing, unknown = sorted(expected - message.keys()), sorted(message.keys() - expected)
        if missing or unknown:
            raise InvalidEvent(f"invalid order event: missing fields {missing or 'none'}, "
                               f"unknown fields {unknown or 'none'}")
        return cls(**message)


def event_id_for(*, order_id: str, type: str) -> str:
    """The id of the event `type` for `order_id`: the same every time, so a republished event dedupes."""
    return f"{order_id}:{type}"


def publish(app: Celery, event: OrderEvent, *, queue: str = NOTIFICATIONS_QUEUE) -> None:
    """Send `event` to the notifications worker through `app`'s broker, by task name only.

    The worker's log lines show the event's id and type, not the customer's address (`argsrepr`).
    """
    summary = repr([{"event_id": event.event_id, "type": event.type}])
    app.send_task(NOTIFICATIONS_TASK, args=[event.to_message()], queue=queue, argsrepr=summary)


def _problems(event: OrderEvent) -> list[str]:
    problems = [f"{name} must be a non-empty string" for name in _NON_EMPTY_TEXT
                if not _is_text(getattr(event, name))]
    if not isinstance(event.email, str):
        problems.append("email must be a string ('' when unknown)")
    if type(event.amount_cents) is not int or event.amount_cents < 0:
        problems.append("amount_cents must be a non-negative integer")
    if event.type not in ORDER_EVENT_TYPES:
        problems.append(f"type must be one of {', '.join(ORDER_EVENT_TYPES)}, not {event.type!r}")
    if not _is_aware_datetime(event.occurred_at):
        problems.append("occurred_at must be an ISO 8601 date-time with a UTC offset")
    if not _is_date(event.delivery_date):
        problems.append("delivery_date must be an ISO 8601 date (YYYY-MM-DD)")
    return problems + _reason_problems(event)


def _reason_problems(event: OrderEvent) -> list[str]:
    if event.type == ORDER_FAILED and not _is_text(event.reason):
        return ["reason must say why an order.failed order failed"]
    if event.type == ORDER_CONFIRMED and event.reason is not None:
        return ["reason must be null for order.confirmed"]
    return []


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_aware_datetime(value: Any) -> bool:
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except (TypeError, ValueError):
        return False


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return len(value) == 10
