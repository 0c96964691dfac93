"""Order confirmations: an e-mail always, an SMS through Amazon SNS when it is switched on.

A failed notification is logged and never undoes the order: the customer has paid and will get the
goods; the message is a courtesy. The SNS client takes its region, credentials and endpoint from the
standard AWS variables (AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_SNS, ...), so a local AWS emulator and the
real SNS need no code change.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from django.conf import settings
from django.core.mail import send_mail

from monolith.accounts.services import profile_get

if TYPE_CHECKING:
    from monolith.orders.models import Order

logger = logging.getLogger(__name__)


# A text is sent inside the checkout request: bound how long a slow SNS can hold it up.
_SNS_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})


@lru_cache(maxsize=1)
def sns_client() -> Any:
    return boto3.client("sns", config=_SNS_CONFIG)


def confirmation_text(order: Order) -> str:
    return (f"Your Concierge order {order.number} is confirmed: {order.product_name}, "
            f"delivered to {order.delivery_address} on {order.delivery_date:%a %d %b %Y}. "
            f"Total {order.amount_cents / 100:.2f} {order.currency.upper()}.")


def order_confirmation_send(*, order: Order) -> None:
    text = confirmation_text(order)
    _safely(_email, order, text)
    if settings.SMS_VIA_SNS:
        _safely(_sms, order, text)


def _safely(send: Any, order: Order, text: str) -> None:
    try:
        send(order, text)
    except Exception:
        logger.exception("notification failed", extra={"order_id": str(order.id), "channel": send.__name__})


def _email(order: Order, text: str) -> None:
    if order.user.email:
        send_mail(f"Order {order.number} confirmed", text, None, [order.user.email])
        logger.info("order confirmation e-mailed", extra={"order_id": str(order.id)})


def _sms(order: Order, text: str) -> None:
    phone = profile_get(user=order.user).phone
    if phone:
        response = sns_client().publish(PhoneNumber=phone, Message=text)
        logger.info("order confirmation texted", extra={"order_id": str(order.id), "sns_message_id": response["MessageId"]})
