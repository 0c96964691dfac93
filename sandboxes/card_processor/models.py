"""What the sandbox remembers: intents, refunds, an append-only ledger and idempotency keys."""

from __future__ import annotations

from django.db import models


class PaymentIntent(models.Model):
    """One attempt to take money from a card, Stripe-style; `status` follows its state machine."""

    class Status(models.TextChoices):
        REQUIRES_PAYMENT_METHOD = "requires_payment_method"  # declined
        REQUIRES_CAPTURE = "requires_capture"
        SUCCEEDED = "succeeded"
        CANCELED = "canceled"

    id = models.CharField(primary_key=True, max_length=40)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=32, choices=Status.choices)
    payment_method = models.CharField(max_length=100)
    capture_method = models.CharField(max_length=16)
    amount_refunded = models.BigIntegerField(default=0)
    decline_code = models.CharField(max_length=40, blank=True)
    metadata = models.JSONField(default=dict)
    created = models.DateTimeField(auto_now_add=True)


class Refund(models.Model):
    id = models.CharField(primary_key=True, max_length=40)
    payment_intent = models.ForeignKey(PaymentIntent, on_delete=models.CASCADE, related_name="refunds")
    amount = models.BigIntegerField()
    status = models.CharField(max_length=16, default="succeeded")
    created = models.DateTimeField(auto_now_add=True)


class LedgerEntry(models.Model):
    """Every action in the order it happened; what tests read to prove "charged exactly once"."""

    class Kind(models.TextChoices):
        AUTHORIZE = "authorize"
        CHARGE = "charge"
        CAPTURE = "capture"
        VOID = "void"
        REFUND = "refund"
        DECLINE = "decline"

    seq = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    payment_intent = models.CharField(max_length=40)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    idempotency_key = models.CharField(max_length=255, null=True)
    metadata = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True)


class IdempotencyKey(models.Model):
    """A key, the request it was first used with, and the answer to replay; unique so only one acts."""

    key = models.CharField(max_length=255, unique=True)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    response = models.JSONField(null=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
