"""The confirmation a customer reads, whichever deployable sends it."""

import datetime

from order_contract.texts import confirmation_subject, confirmation_text, confirmed_message


def test_a_confirmation_says_what_where_when_and_how_much():
    text = confirmation_text(number="3F2C1A9E", product_name="A dozen red roses",
                             delivery_address="221B Baker Street", delivery_date=datetime.date(2026, 12, 24),
                             amount_cents=4900, currency="usd")
    assert confirmation_subject("3F2C1A9E") == "Order 3F2C1A9E confirmed"
    assert text == ("Your Concierge order 3F2C1A9E is confirmed: A dozen red roses, delivered to 221B Baker Street "
                    "on Thu 24 Dec 2026. Total 49.00 USD.")


def test_a_confirmed_order_is_announced_by_its_number_with_the_day_spelt_out():
    message = confirmed_message(number="3F2C1A9E", product_name="A dozen red roses",
                                delivery_address="221B Baker Street", delivery_date=datetime.date(2026, 12, 24))
    assert message == "Order 3F2C1A9E confirmed: A dozen red roses will be delivered to 221B Baker Street on " \
                      "Thursday 24 December 2026."
