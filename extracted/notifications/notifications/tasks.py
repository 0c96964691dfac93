"""The worker's one task: an order event in, the service called, retried only when retrying can help."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from extracted.notifications.notifications.errors import TryAgainLater
from extracted.notifications.notifications.services import order_event_handle
from order_contract.events import NOTIFICATIONS_TASK, InvalidEvent, OrderEvent

logger = logging.getLogger(__name__)


@shared_task(name=NOTIFICATIONS_TASK, bind=True, acks_late=True,
             # Throttled or unreachable providers and a busy database pass: back off 2 s, 4 s, ... 5 min.
             autoretry_for=(TryAgainLater, OperationalError, InterfaceError),
             retry_backoff=2, retry_backoff_max=300, retry_jitter=True, max_retries=12)
def handle_order_event(self: Task, message: Any) -> None:
    """Notify the customer of one order event; running it again sends nothing already sent."""
    try:
        event = OrderEvent.from_message(message)
    except InvalidEvent as error:
        # No retry can fix the message; dropping it keeps the queue moving.
        logger.error("invalid order event dropped", extra={"problem": str(error), "task_id": self.request.id})
        return
    order_event_handle(event=event)
