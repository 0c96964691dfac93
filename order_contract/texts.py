"""What a customer reads when an order is confirmed, whichever deployable says it: the checkout's answer
(or the order's status) in the API, and the e-mail and SMS."""

from __future__ import annotations

import datetime


def confirmed_message(*, number: str, product_name: str, delivery_address: str,
                      delivery_date: datetime.date) -> str:
    """The API's `message` for a confirmed order."""
    return (f"Order {number} confirmed: {product_name} will be delivered to {delivery_address} on "
            f"{delivery_date:%A %d %B %Y}.")


def confirmation_subject(number: str) -> str:
    return f"Order {number} confirmed"


def confirmation_text(*, number: str, product_name: str, delivery_address: str, delivery_date: datetime.date,
                      amount_cents: int, currency: str) -> str:
    return (f"Your Concierge order {number} is confirmed: {product_name}, delivered to {delivery_address} on "
            f"{delivery_date:%a %d %b %Y}. Total {amount_cents / 100:.2f} {currency.upper()}.")
