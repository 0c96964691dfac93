"""What the checkout tells a customer about an order, in words."""

from __future__ import annotations

from extracted.checkout.checkout.flow import Status
from extracted.checkout.checkout.models import Order
from order_contract.texts import confirmed_message

_NOT_CHARGED = "you have not been charged"


def accepted_message(order: Order) -> str:
    """`success: true` now means "accepted", and the message says so."""
    return (f"Order {order.number} accepted: {order.product_name} for delivery to {order.delivery_address} on "
            f"{order.delivery_date:%A %d %B %Y}. It is not confirmed yet: we are reserving it and authorising "
            f"your card now; follow statusUrl for the outcome.")


def status_message(order: Order) -> str:
    status = Status(order.status)
    if status is Status.CONFIRMED:
        return confirmed_message(number=order.number, product_name=order.product_name,
                                 delivery_address=order.delivery_address, delivery_date=order.delivery_date)
    if status is Status.OUT_OF_STOCK:
        return f"Sorry, {order.product_name} is out of stock; {_NOT_CHARGED}."
    if status is Status.PAYMENT_DECLINED:
        return f"Your card was declined ({order.reason}); {_NOT_CHARGED}."
    if status is Status.FAILED_AFTER_RETRIES:
        return f"We could not complete order {order.number} in time; {_NOT_CHARGED}. Please try again later."
    if status is Status.FAILED:
        return f"We could not complete order {order.number}; {_NOT_CHARGED}."
    return f"Order {order.number} is being processed ({order.step.replace('_', ' ')})."
