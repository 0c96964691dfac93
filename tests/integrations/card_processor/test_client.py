"""The card-processor client against the real sandbox, served by gunicorn on a free port."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import closing

import pytest

from chassis import request_id
from integrations.card_processor.client import (
    CardProcessorClient,
    CardProcessorRejected,
    CardProcessorUnavailable,
    Payment,
    PaymentDeclined,
)
from tests.sandboxes.card_processor.sandbox import Sandbox, running_card_processor
from tests.support.waiting import free_port, wait_until


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_card_processor(tmp_path_factory.mktemp("card-processor")) as running:
        yield running


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[CardProcessorClient]:
    with closing(CardProcessorClient(sandbox.base_url, backoff=0.01)) as processor:
        yield processor


def new_id() -> str:
    return uuid.uuid4().hex


def charge(client: CardProcessorClient, order_id: str, amount: int = 500, *,
           payment_method: str = "pm_card_visa", key: str | None = None) -> Payment:
    return client.charge(amount_cents=amount, currency="usd", payment_method=payment_method,
                         idempotency_key=key or f"order-{order_id}-charge", metadata={"order_id": order_id})


def test_charge_returns_a_succeeded_payment(client: CardProcessorClient, sandbox: Sandbox) -> None:
    order_id = new_id()
    payment = charge(client, order_id, 1234)
    assert (payment.status, payment.amount_cents, payment.currency) == ("succeeded", 1234, "usd")
    assert client.get(payment.id) == payment
    assert sandbox.kinds(order_id=order_id) == ["charge"]


def test_authorize_then_capture_takes_the_money(client: CardProcessorClient, sandbox: Sandbox) -> None:
    order_id = new_id()
    held = client.authorize(amount_cents=800, currency="usd", payment_method="pm_card_visa",
                            idempotency_key=new_id(), metadata={"order_id": order_id})
    assert held.status == "requires_capture"
    assert client.capture(held.id, idempotency_key=new_id()).status == "succeeded"
    assert sandbox.kinds(order_id=order_id) == ["authorize", "capture"]


def test_authorize_then_void_releases_the_hold(client: CardProcessorClient, sandbox: Sandbox) -> None:
    order_id = new_id()
    held = client.authorize(amount_cents=800, currency="usd", payment_method="pm_card_visa",
                            idempotency_key=new_id(), metadata={"order_id": order_id})
    assert client.void(held.id, idempotency_key=new_id()).status == "canceled"
    assert sandbox.kinds(order_id=order_id) == ["authorize", "void"]


def test_refund_gives_back_a_part_then_the_rest(client: CardProcessorClient, sandbox: Sandbox) -> None:
    order_id = new_id()
    payment = charge(client, order_id, 1000)
    part = client.refund(payment.id, idempotency_key=new_id(), amount_cents=250)
    rest = client.refund(payment.id, idempotency_key=new_id())
    assert (part.payment_id, part.amount_cents, rest.amount_cents) == (payment.id, 250, 750)
    assert sandbox.kinds(order_id=order_id) == ["charge", "refund", "refund"]


def test_risk_limit_decline_raises_payment_declined(client: CardProcessorClient) -> None:
    assert charge(client, new_id(), 9999).status == "succeeded"
    with pytest.raises(PaymentDeclined) as declined:
        charge(client, new_id(), 10000)
    assert declined.value.decline_code == "risk_threshold"
    assert declined.value.payment_id is not None and declined.value.payment_id.startswith("pi_")


def test_declining_test_card_raises_payment_declined(client: CardProcessorClient, sandbox: Sandbox) -> None:
    order_id = new_id()
    with pytest.raises(PaymentDeclined) as declined:
        charge(client, order_id, payment_method="pm_card_chargeDeclined")
    assert declined.value.decline_code == "generic_decline"
    assert sandbox.kinds(order_id=order_id) == ["decline"]


def test_charging_again_with_the_same_key_returns_the_same_payment(client: CardProcessorClient,
                                                                   sandbox: Sandbox) -> None:
    order_id = new_id()
    assert charge(client, order_id) == charge(client, order_id)
    assert sandbox.kinds(order_id=order_id) == ["charge"]


def test_same_key_with_other_params_raises_rejected(client: CardProcessorClient) -> None:
    order_id = new_id()
    charge(client, order_id, 500)
    with pytest.raises(CardProcessorRejected) as rejected:
        charge(client, order_id, 600)
    assert (rejected.value.status, rejected.value.code) == (400, "idempotency_key_reused")


def test_a_bad_request_raises_rejected_without_retrying(client: CardProcessorClient) -> None:
    with pytest.raises(CardProcessorRejected) as rejected:
        charge(client, new_id(), payment_method="visa")
    assert rejected.value.code == "resource_missing"
    with pytest.raises(CardProcessorRejected):
        client.capture("pi_unknown", idempotency_key=new_id())


def test_nothing_listening_raises_unavailable_saying_the_processor_was_not_reached() -> None:
    with (closing(CardProcessorClient(f"http://127.0.0.1:{free_port()}", retries=1, backoff=0.01)) as client,
          pytest.raises(CardProcessorUnavailable) as raised):
        charge(client, new_id())
    assert raised.value.reached is False


def test_an_outage_raises_unavailable_and_charges_nothing(tmp_path_factory: pytest.TempPathFactory) -> None:
    with running_card_processor(tmp_path_factory.mktemp("outage"), CARD_SANDBOX_FAILURE_RATE="1") as down, \
            closing(CardProcessorClient(down.base_url, backoff=0.01)) as client:
        with pytest.raises(CardProcessorUnavailable) as raised:
            charge(client, "o-1")
        assert down.ledger() == []
    assert raised.value.reached is True  # a 503 came from the processor: it may have acted


def test_answers_that_are_always_dropped_raise_unavailable_yet_charge_once(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    with running_card_processor(tmp_path_factory.mktemp("drop"), CARD_SANDBOX_DROP_RATE="1") as dropping, \
            closing(CardProcessorClient(dropping.base_url, retries=2, backoff=0.01)) as client:
        with pytest.raises(CardProcessorUnavailable) as raised:
            charge(client, "o-1")
        assert dropping.kinds(order_id="o-1") == ["charge"]
        assert raised.value.reached is True
        assert dropping.log_messages().count("fault injected: response dropped after acting") == 3


def test_a_flaky_connection_never_charges_twice(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Half the answers are lost; every order is charged by a client that retries with one key."""
    orders = [f"o-{number}" for number in range(12)]
    with running_card_processor(tmp_path_factory.mktemp("flaky"), CARD_SANDBOX_DROP_RATE="0.5",
                                CARD_SANDBOX_SEED="7") as flaky, \
            closing(CardProcessorClient(flaky.base_url, retries=6, backoff=0.01)) as client:
        payments = [charge(client, order_id) for order_id in orders]
        charges = [entry for entry in flaky.ledger() if entry["kind"] == "charge"]
        dropped = flaky.log_messages().count("fault injected: response dropped after acting")
    assert sorted(entry["metadata"]["order_id"] for entry in charges) == sorted(orders)
    assert sorted(entry["payment_intent"] for entry in charges) == sorted(payment.id for payment in payments)
    assert dropped > 0


def test_the_request_id_travels_to_the_card_processor(client: CardProcessorClient, sandbox: Sandbox) -> None:
    """The chassis HTTP client forwards the current request id; the sandbox logs it."""
    with request_id.bound("checkout-req-7654321"):
        charge(client, new_id())

    def logged() -> bool:  # gunicorn writes the access line after the answer has gone
        lines = [json.loads(line) for line in sandbox.stdout_lines()]
        return any(line["request_id"] == "checkout-req-7654321" and line["logger"] == "gunicorn.access"
                   for line in lines)

    wait_until(logged, timeout=10, what="the sandbox's access line with the request id")
