"""Order confirmations: an e-mail always, an SMS through Amazon SNS when it is switched on.

A failed notification is logged and never undoes the order: the customer has paid and will get the
goods; the message is a courtesy. The words are order_contract's and the SNS client is integrations.sns's,
so this sends exactly what the notifications service sends.

The "before": the notifications service (extracted/notifications), fed by the checkout service's order
events, is the copy that lives; this one runs only inside the monolith's synchronous checkout, the rollback.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail

from integrations.sns import sns_client
from monolith.accounts.services import profile_get
from order_contract.texts import confirmation_subject, confirmation_text

if TYPE_CHECKING:
    from monolith.orders.models import Order

logger = logging.getLogger(__name__)


# A text is sent inside the checkout request: fewer retries bound how long a slow SNS can hold it up.
SNS_RETRIES = 2


def order_confirmation_text(order: Order) -> str:
    return confirmation_text(number=order.number, product_name=order.product_name,
                             delivery_address=order.delivery_address, delivery_date=order.delivery_date,
                             amount_cents=order.amount_cents, currency=order.currency)


def order_confirmation_send(*, order: Order) -> None:
    text = order_confirmation_text(order)
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
        send_mail(confirmation_subject(order.number), text, None, [order.user.email])
        logger.info("order confirmation e-mailed", extra={"order_id": str(order.id)})


def _sms(order: Order, text: str) -> None:
    phone = profile_get(user=order.user).phone
    if phone:
        response = sns_client(retries=SNS_RETRIES).publish(PhoneNumber=phone, Message=text)
        logger.info("order confirmation texted",
                    extra={"order_id": str(order.id), "sns_message_id": response["MessageId"]})
