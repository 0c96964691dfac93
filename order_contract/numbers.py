"""The order number: the short reference a person reads out on the phone, the same from every deployable."""

from __future__ import annotations

import uuid


def order_number(order_id: uuid.UUID | str) -> str:
    """The first eight hex digits of the order's UUID, upper case (ABCD1234); a non-UUID id as it is."""
    try:
        return (order_id if isinstance(order_id, uuid.UUID) else uuid.UUID(order_id)).hex[:8].upper()
    except ValueError:
        return str(order_id)
