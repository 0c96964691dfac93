"""Reads of orders; a user only ever sees their own.

The "before": the checkout service (extracted/checkout) is the copy that lives, behind the proxy's
`checkout` and `orders` routes; this one is kept as their rollback (point the routes at the monolith).
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.models import User
from django.db.models import QuerySet

from monolith.orders.models import Order


def order_list(*, user: User) -> QuerySet[Order]:
    return Order.objects.filter(user=user)


def order_get(*, user: User, order_id: UUID) -> Order | None:
    return Order.objects.filter(user=user, pk=order_id).first()
