"""The synchronous checkout's orders: one row per paid order.

The "before": the checkout service (extracted/checkout) is the copy that lives, behind the proxy's
`checkout` and `orders` routes; this one is kept as their rollback (point the routes at the monolith).
"""

import uuid

from django.conf import settings
from django.db import models

from order_contract.numbers import order_number


class Order(models.Model):
    """An order: the synchronous checkout stores one only after the card was charged; the checkout
    service's orders arrive here through datasync in every status they pass."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed"
        REFUNDED = "refunded"
        # The checkout service's statuses, for the orders it took (copied here by datasync).
        PENDING = "pending"
        OUT_OF_STOCK = "out_of_stock"
        PAYMENT_DECLINED = "payment_declined"
        FAILED_AFTER_RETRIES = "failed_after_retries"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    # A snapshot of the product at purchase time: the catalogue may change or move to another service.
    product_id = models.CharField(max_length=64)
    product_name = models.CharField(max_length=120)
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    delivery_address = models.CharField(max_length=300)
    delivery_date = models.DateField()
    # Blank for an order the checkout service took but has not charged yet (datasync copies every order it
    # takes here, extracted/checkout/sync.py); a payment id, once there, is never on two orders.
    payment_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONFIRMED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["payment_id"], condition=~models.Q(payment_id=""),
                                               name="order_payment_once")]

    @property
    def number(self) -> str:
        """A short reference a person can read out on the phone."""
        return order_number(self.id)

    def __str__(self) -> str:
        return f"order {self.number}"
