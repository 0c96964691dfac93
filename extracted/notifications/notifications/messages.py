"""What the customer reads: one subject and one text per event, the same text by e-mail and by SMS."""

from __future__ import annotations

import uuid
from datetime import date

from order_contract.events import ORDER_CONFIRMED, OrderEvent


def order_reference(order_id: str) -> str:
    """The short number a person reads out on the phone, as the monolith shows it (ABCD1234)."""
    try:
        return uuid.UUID(order_id).hex[:8].upper()
    except ValueError:
        return order_id


def subject(event: OrderEvent) -> str:
    outcome = "confirmed" if event.type == ORDER_CONFIRMED else "could not be completed"
    return f"Order {order_reference(event.order_id)} {outcome}"


def text(event: OrderEvent) -> str:
    return _confirmed(event) if event.type == ORDER_CONFIRMED else _failed(event)


def _confirmed(event: OrderEvent) -> str:
    delivery = date.fromisoformat(event.delivery_date)
    return (f"Your Concierge order {order_reference(event.order_id)} is confirmed: {event.product_name}, "
            f"delivered to {event.delivery_address} on {delivery:%a %d %b %Y}. "
            f"Total {event.amount_cents / 100:.2f} {event.currency.upper()}.")


def _failed(event: OrderEvent) -> str:
    return (f"Your Concierge order {order_reference(event.order_id)} ({event.product_name}) could not be "
            f"completed: {event.reason}; you have not been charged.")
