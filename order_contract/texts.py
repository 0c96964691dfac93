"""What a customer reads when an order is confirmed, by e-mail and by SMS, whichever deployable sends it."""

from __future__ import annotations

import datetime


def confirmation_subject(number: str) -> str:
    return f"Order {number} confirmed"


def confirmation_text(*, number: str, product_name: str, delivery_address: str, delivery_date: datetime.date,
                      amount_cents: int, currency: str) -> str:
    return (f"Your Concierge order {number} is confirmed: {product_name}, delivered to {delivery_address} on "
            f"{delivery_date:%a %d %b %Y}. Total {amount_cents / 100:.2f} {currency.upper()}.")
