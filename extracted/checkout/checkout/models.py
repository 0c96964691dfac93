"""The checkout service's own tables: orders and their saga, its history, idempotency keys, reports.

The copy that lives, behind the proxy's `checkout` and `orders` routes: the monolith's synchronous
checkout (monolith/orders) is kept as the "before", their rollback.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from django.db import models
from django.utils import timezone

from extracted.checkout.checkout.flow import FIRST_STEP, Payment, Status, Step, Stock
from order_contract.numbers import order_number


def _choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ")) for member in enum]


class Order(models.Model):
    """An order accepted at once and carried by the saga to a terminal status that says why.

    `step` is the next step to run ("completed" at the end) and doubles as the outbox: a committed step
    that no worker picked up is sent again by the sweeper. `version` makes every transition a
    compare-and-set, so when two workers run one step, only the first moves the order on.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_id = models.CharField(max_length=64, db_index=True)
    email = models.CharField(max_length=254, blank=True)
    # A snapshot of the product at acceptance: the catalogue may change while the saga runs.
    product_id = models.CharField(max_length=64)
    product_name = models.CharField(max_length=120)
    quantity = models.PositiveIntegerField(default=1)
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    payment_method = models.CharField(max_length=64)
    delivery_address = models.CharField(max_length=300)
    delivery_date = models.DateField()
    status = models.CharField(max_length=24, choices=_choices(Status), default=Status.PENDING)
    reason = models.CharField(max_length=200, blank=True)
    step = models.CharField(max_length=24, choices=_choices(Step), default=FIRST_STEP)
    attempt = models.PositiveIntegerField(default=0, help_text="Failed tries of the current step.")
    version = models.PositiveIntegerField(default=0)
    stock = models.CharField(max_length=12, choices=_choices(Stock), default=Stock.NONE)
    payment = models.CharField(max_length=12, choices=_choices(Payment), default=Payment.NONE)
    payment_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Set by every transition (QuerySet.update does not touch auto_now fields): the sweeper's clock.
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["step", "updated_at"], name="order_step_updated")]

    @property
    def number(self) -> str:
        """A short reference a person can read out on the phone."""
        return order_number(self.id)

    @property
    def completed(self) -> bool:
        return self.step == Step.COMPLETED

    def __str__(self) -> str:
        return f"order {self.number}"


class SagaEvent(models.Model):
    """One entry of an order's execution history, as a workflow engine keeps it."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled"
        SUCCEEDED = "succeeded"
        RETRYING = "retrying"
        FAILED = "failed"
        SKIPPED = "skipped"
        RESUMED = "resumed"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=24)
    state = models.CharField(max_length=12, choices=State.choices)
    attempt = models.PositiveIntegerField(default=0)
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.step}: {self.state}"


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key, the request it was first sent with and the answer it got."""

    user_id = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    order = models.ForeignKey(Order, null=True, on_delete=models.SET_NULL, related_name="+")
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user_id", "key"], name="idempotency_key_per_user")]


class ReportSent(models.Model):
    """A day whose orders report went out: a second beat tick for that day sends nothing."""

    day = models.DateField(primary_key=True)
    sent_at = models.DateTimeField(default=timezone.now)
