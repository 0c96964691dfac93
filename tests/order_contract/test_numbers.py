"""The order number, as every deployable shows it."""

import uuid

from order_contract.numbers import order_number

ORDER_ID = "3f2c1a9e-5b7d-4c1e-9a0b-1c2d3e4f5a6b"


def test_an_order_is_called_by_the_first_eight_hex_digits_of_its_id_in_capitals():
    assert order_number(ORDER_ID) == order_number(uuid.UUID(ORDER_ID)) == "3F2C1A9E"


def test_an_order_id_that_is_not_a_uuid_is_shown_as_it_is():
    assert order_number("ord_123") == "ord_123"
