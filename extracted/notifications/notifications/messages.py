"""What the customer reads: one subject and one text per event, the same text by e-mail and by SMS.

The confirmation's words and the order number are order_contract's, so the monolith's "before" sends
the very same message.
"""

from __future__ import annotations

from datetime import date

from order_contract.events import ORDER_CONFIRMED, OrderEvent
from order_contract.numbers import order_number
from order_contract.texts import confirmation_subject, confirmation_text


def subject(event: OrderEvent) -> str:
    number = order_number(event.order_id)
    return confirmation_subject(number) if event.type == ORDER_CONFIRMED else f"Order {number} could not be completed"


def text(event: OrderEvent) -> str:
    return _confirmed(event) if event.type == ORDER_CONFIRMED else _failed(event)


def _confirmed(event: OrderEvent) -> str:
    return confirmation_text(number=order_number(event.order_id), product_name=event.product_name,
                             delivery_address=event.delivery_address,
                             delivery_date=date.fromisoformat(event.delivery_date), amount_cents=event.amount_cents,
                             currency=event.currency)


def _failed(event: OrderEvent) -> str:
    return (f"Your Concierge order {order_number(event.order_id)} ({event.product_name}) could not be "
            f"completed: {event.reason}; you have not been charged.")
