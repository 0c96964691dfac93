"""Order events in, messages out: each event taken on once, each channel sent at most once per event.

`order_event_handle` records the event first; the unique `event_id` makes a repeated or concurrent
delivery find the same row. Each channel is then delivered under a lock on that row, and its outcome is
recorded in the same transaction, so a redelivered event sends only what is still missing (the SMS whose
phone lookup failed last time, never the e-mail again). The one window left is a crash after a provider
accepted a message and before the commit: then it goes twice, as neither SMTP nor SNS takes an
idempotency key. Channels are independent: one that must be retried does not hold back the other.

The copy that lives: monolith/notifications, which only the monolith's synchronous checkout calls, is
kept as the "before".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from extracted.notifications.notifications import channels, messages
from extracted.notifications.notifications.contacts import contact_get
from extracted.notifications.notifications.errors import TryAgainLater, Undeliverable
from extracted.notifications.notifications.models import Delivery, ProcessedEvent
from order_contract.events import OrderEvent

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What one channel did: sent (detail: the provider's id), skipped or failed (detail: why)."""

    status: Delivery.Status
    recipient: str = ""
    detail: str = ""


def order_event_handle(*, event: OrderEvent) -> None:
    """Send the e-mail and the SMS for `event` unless already sent; TryAgainLater if a channel must wait."""
    record, _ = ProcessedEvent.objects.get_or_create(
        event_id=event.event_id, defaults={"type": event.type, "order_id": event.order_id})
    if record.processed_at is not None:
        logger.info("duplicate order event ignored", extra=_context(event))
        return
    waiting = [error for error in (_deliver_once(record, event, Delivery.Channel.EMAIL, _email),
                                   _deliver_once(record, event, Delivery.Channel.SMS, _sms)) if error]
    if waiting:
        raise TryAgainLater("; ".join(str(error) for error in waiting))
    ProcessedEvent.objects.filter(pk=record.pk).update(processed_at=timezone.now())
    logger.info("order event handled", extra=_context(event))


def _deliver_once(record: ProcessedEvent, event: OrderEvent, channel: Delivery.Channel,
                  send: Callable[[OrderEvent], Outcome]) -> TryAgainLater | None:
    """Run `send` unless this channel already has an outcome; the row lock serialises two workers."""
    try:
        with transaction.atomic():
            ProcessedEvent.objects.select_for_update().get(pk=record.pk)
            if Delivery.objects.filter(processed_event=record, channel=channel).exists():
                return None
            outcome = _attempt(send, event)
            Delivery.objects.create(processed_event=record, channel=channel, status=outcome.status,
                                    recipient=outcome.recipient, detail=outcome.detail[:300])
    except TryAgainLater as error:
        logger.warning("notification deferred", extra={**_context(event, channel), "error": str(error)})
        return error
    logger.info(f"notification {outcome.status.value}", extra={**_context(event, channel), "detail": outcome.detail})
    return None


def _attempt(send: Callable[[OrderEvent], Outcome], event: OrderEvent) -> Outcome:
    try:
        return send(event)
    except Undeliverable as error:
        return Outcome(Delivery.Status.FAILED, detail=str(error))


def _email(event: OrderEvent) -> Outcome:
    if not event.email:
        return Outcome(Delivery.Status.SKIPPED, detail="no e-mail address")
    channels.email_send(to=event.email, subject=messages.subject(event), body=messages.text(event))
    return Outcome(Delivery.Status.SENT, recipient=event.email)


def _sms(event: OrderEvent) -> Outcome:
    if not settings.SMS_VIA_SNS:
        return Outcome(Delivery.Status.SKIPPED, detail="SMS switched off")
    contact = contact_get(user_id=event.user_id)
    if contact is None:
        return Outcome(Delivery.Status.SKIPPED, detail="customer unknown to the monolith")
    if not contact.phone:
        return Outcome(Delivery.Status.SKIPPED, detail="no phone number")
    message_id = channels.sms_send(phone=contact.phone, text=messages.text(event))
    return Outcome(Delivery.Status.SENT, recipient=contact.phone, detail=message_id)


def _context(event: OrderEvent, channel: Delivery.Channel | None = None) -> dict[str, str]:
    context = {"event_id": event.event_id, "event_type": event.type, "order_id": event.order_id}
    return context | ({"channel": channel.value} if channel else {})
