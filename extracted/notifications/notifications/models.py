"""What the worker remembers: every order event it took on, and what it sent for each, per channel.

The unique `event_id` is the deduplication: a redelivered or republished event finds its row. The unique
(event, channel) pair is what makes a retry send only the channels still missing.
"""

from django.db import models


class ProcessedEvent(models.Model):
    """An order event taken on; `processed_at` is set once every channel has an outcome."""

    event_id = models.CharField(max_length=200, unique=True)
    type = models.CharField(max_length=32)
    order_id = models.CharField(max_length=64, db_index=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.event_id


class Delivery(models.Model):
    """The outcome of one channel for one event; written in the transaction that sent it."""

    class Channel(models.TextChoices):
        EMAIL = "email"
        SMS = "sms"

    class Status(models.TextChoices):
        SENT = "sent"
        SKIPPED = "skipped"  # nothing to send to, or the channel is switched off
        FAILED = "failed"  # the provider refused for good (e.g. an invalid number); not retried

    processed_event = models.ForeignKey(ProcessedEvent, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=8, choices=Status.choices)
    recipient = models.CharField(max_length=254, blank=True)
    # The provider's message id when sent; why not, when skipped or failed.
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["processed_event", "channel"], name="one_delivery_per_event_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} for {self.processed_event_id}: {self.status}"
