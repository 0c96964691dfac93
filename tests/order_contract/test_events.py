"""The order-event contract: its wire form, its validation, its stable ids and how it is published."""

import base64
import json
import os
import uuid
from dataclasses import replace

import pytest

from chassis.celery_app import make_celery
from order_contract.events import (
    NOTIFICATIONS_QUEUE,
    NOTIFICATIONS_TASK,
    ORDER_CONFIRMED,
    ORDER_FAILED,
    InvalidEvent,
    OrderEvent,
    event_id_for,
    publish,
)


def _event(**changes) -> OrderEvent:
    event = OrderEvent.for_order(
        type=ORDER_CONFIRMED, order_id="3f2c1a9e-5b7d-4c1e-9a0b-1c2d3e4f5a6b", user_id="42",
        email="ada@example.com", product_name="A dozen red roses", amount_cents=4900, currency="usd",
        delivery_address="221B Baker Street", delivery_date="2026-12-24",
        occurred_at="2026-11-23T06:30:00+00:00")
    return replace(event, **changes)


def test_an_event_survives_the_trip_through_json_unchanged():
    event = _event()
    assert OrderEvent.from_message(json.loads(json.dumps(event.to_message()))) == event


def test_a_republished_event_keeps_its_id():
    first = _event()
    fields = {name: value for name, value in first.to_message().items() if name not in {"event_id", "occurred_at"}}
    again = OrderEvent.for_order(**fields)  # built again later, as a retried publisher would
    assert again.occurred_at != first.occurred_at
    assert again.event_id == first.event_id == event_id_for(order_id=first.order_id, type=ORDER_CONFIRMED)


def test_confirmed_and_failed_events_of_one_order_have_different_ids():
    assert event_id_for(order_id="o-1", type=ORDER_CONFIRMED) != event_id_for(order_id="o-1", type=ORDER_FAILED)


def test_a_message_with_missing_and_unknown_fields_is_refused_naming_them():
    message = _event().to_message()
    del message["email"]
    message["coupon"] = "XMAS"
    with pytest.raises(InvalidEvent, match=r"missing fields \['email'\], unknown fields \['coupon'\]"):
        OrderEvent.from_message(message)


def test_a_message_that_is_not_an_object_is_refused():
    with pytest.raises(InvalidEvent, match="expected a JSON object, got list"):
        OrderEvent.from_message(["order.confirmed"])


def test_every_malformed_field_is_named_at_once():
    message = {**_event().to_message(), "amount_cents": "49.00", "type": "order.shipped",
               "delivery_date": "24/12/2026", "occurred_at": "2026-11-23T06:30:00"}
    with pytest.raises(InvalidEvent) as refused:
        OrderEvent.from_message(message)
    for problem in ("amount_cents must be a non-negative integer", "type must be one of",
                    "delivery_date must be an ISO 8601 date",
                    "occurred_at must be an ISO 8601 date-time with a UTC offset"):
        assert problem in str(refused.value)


def test_a_boolean_is_not_an_amount():
    with pytest.raises(InvalidEvent, match="amount_cents"):
        _event(amount_cents=True)


def test_a_failed_order_must_say_why():
    with pytest.raises(InvalidEvent, match="reason must say why"):
        _event(type=ORDER_FAILED, event_id="o:order.failed", reason=None)


def test_a_confirmed_order_carries_no_reason():
    with pytest.raises(InvalidEvent, match="reason must be null"):
        _event(reason="payment declined")


def test_an_empty_email_is_allowed_for_a_customer_without_one():
    assert _event(email="").email == ""


def test_publish_sends_the_message_by_task_name_to_the_notifications_queue(redis_client):
    """The message is read back from the broker's queue on the test Redis, as a worker would get it."""
    app = make_celery("events-test", broker_url=os.environ["REDIS_URL"], service="tests")
    queue = f"notifications-{uuid.uuid4().hex}"
    event = _event()
    publish(app, event, queue=queue)
    envelope = json.loads(redis_client.rpop(queue))
    args, kwargs, _ = json.loads(base64.b64decode(envelope["body"]))
    assert envelope["headers"]["task"] == NOTIFICATIONS_TASK
    assert args == [event.to_message()] and kwargs == {}
    assert "ada@example.com" not in envelope["headers"]["argsrepr"]  # workers log argsrepr, not the address


def test_the_task_and_queue_names_stay_what_deployed_workers_consume():
    assert (NOTIFICATIONS_TASK, NOTIFICATIONS_QUEUE) == ("notifications.events.handle_order_event", "notifications")
