"""Order confirmations by SMS go through boto3 to SNS, here a local AWS emulator over HTTP."""

import datetime
import uuid
from collections.abc import Iterator

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.server import ThreadedMotoServer
from moto.sns.models import sns_backends

from extracted.notifications.notifications import messages
from monolith.notifications import services
from monolith.orders.models import Order
from order_contract.events import ORDER_CONFIRMED, OrderEvent
from tests.support.waiting import free_port

REGION = "us-east-1"


@pytest.fixture
def sns_emulator(monkeypatch, settings) -> Iterator[str]:
    """moto in server mode on a free port; boto3 reaches it through AWS_ENDPOINT_URL_SNS."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    _send_sms_to(f"http://127.0.0.1:{port}", monkeypatch, settings)
    yield f"http://127.0.0.1:{port}"
    services.sns_client.cache_clear()
    server.stop()


def _send_sms_to(endpoint: str, monkeypatch, settings) -> None:
    """Switch SMS on and point boto3's SNS client at `endpoint`, through the standard AWS variables."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings.SMS_VIA_SNS = True
    services.sns_client.cache_clear()


def _texts_received() -> list[tuple[str, str]]:
    return list(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values())


def _order(shopper) -> Order:
    return Order.objects.create(user=shopper, product_id="red-roses-dozen", product_name="A dozen red roses",
                                amount_cents=4900, currency="usd", delivery_address="221B Baker Street",
                                delivery_date=datetime.date(2026, 12, 24), payment_id=f"pi_{uuid.uuid4().hex}")


def test_a_confirmation_is_texted_to_the_shoppers_phone(sns_emulator, shopper):
    before = len(_texts_received())
    order = _order(shopper)
    services.order_confirmation_send(order=order)
    received = _texts_received()[before:]
    assert len(received) == 1
    phone, text = received[0]
    assert phone == "+15551234567" and order.number in text and "221B Baker Street" in text


def test_sms_is_not_sent_when_switched_off(sns_emulator, shopper, settings):
    settings.SMS_VIA_SNS = False
    before = len(_texts_received())
    services.order_confirmation_send(order=_order(shopper))
    assert len(_texts_received()) == before


def test_an_unreachable_sns_does_not_undo_the_order(shopper, settings, monkeypatch, mailoutbox):
    _send_sms_to(f"http://127.0.0.1:{free_port()}", monkeypatch, settings)
    order = _order(shopper)
    services.order_confirmation_send(order=order)  # logs the failure, raises nothing
    services.sns_client.cache_clear()
    assert Order.objects.filter(pk=order.pk).exists() and len(mailoutbox) == 1


def test_the_monolith_sends_the_words_the_notifications_service_sends(shopper):
    """The synchronous checkout's confirmation and the service's, for the same order, are one text."""
    order = _order(shopper)
    event = OrderEvent.for_order(type=ORDER_CONFIRMED, order_id=str(order.id), user_id=str(shopper.pk),
                                 email=shopper.email, product_name=order.product_name,
                                 amount_cents=order.amount_cents, currency=order.currency,
                                 delivery_address=order.delivery_address,
                                 delivery_date=order.delivery_date.isoformat())
    assert services.order_confirmation_text(order) == messages.text(event)
