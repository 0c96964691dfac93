"""What the customer reads, for a confirmed and for a failed order."""

from extracted.notifications.notifications import messages
from order_contract.events import ORDER_CONFIRMED, ORDER_FAILED, OrderEvent

ORDER_ID = "3f2c1a9e-5b7d-4c1e-9a0b-1c2d3e4f5a6b"


def _event(type: str = ORDER_CONFIRMED, reason: str | None = None) -> OrderEvent:
    return OrderEvent.for_order(type=type, order_id=ORDER_ID, user_id="42", email="ada@example.com",
                                product_name="A dozen red roses", amount_cents=4900, currency="usd",
                                delivery_address="221B Baker Street", delivery_date="2026-12-24", reason=reason)


def test_a_confirmation_says_what_where_when_and_how_much():
    assert messages.subject(_event()) == "Order 3F2C1A9E confirmed"
    assert messages.text(_event()) == ("Your Concierge order 3F2C1A9E is confirmed: A dozen red roses, delivered "
                                       "to 221B Baker Street on Thu 24 Dec 2026. Total 49.00 USD.")


def test_a_failure_says_why_and_that_nothing_was_charged():
    event = _event(ORDER_FAILED, reason="payment declined")
    assert messages.subject(event) == "Order 3F2C1A9E could not be completed"
    assert messages.text(event) == ("Your Concierge order 3F2C1A9E (A dozen red roses) could not be completed: "
                                    "payment declined; you have not been charged.")
