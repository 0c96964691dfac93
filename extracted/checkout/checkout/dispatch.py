"""Sending the saga's next step: only after the transition that chose it has committed.

A send that fails (the broker is down) loses nothing: the order's committed step is the outbox, and
the sweeper sends it again once the order has made no progress for SAGA_STUCK_AFTER_SECONDS.
"""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.db import transaction

from extracted.checkout.celery_app import app
from extracted.checkout.checkout.flow import Step

logger = logging.getLogger(__name__)


def task_name(step: Step) -> str:
    return f"checkout.saga.{step}"


def step_send_on_commit(*, order_id: str, step: Step, countdown: float = 0.0) -> None:
    """Send `step` for the order when the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(_send, order_id, step, countdown))


def step_send_later(*, order_id: str, step: Step, countdown: float) -> None:
    """Send `step` for the order now, to run after `countdown` seconds (outside any transaction)."""
    _send(order_id, step, countdown)


def _send(order_id: str, step: Step, countdown: float) -> None:
    # Never past the broker's visibility timeout, whatever the caller asked (settings.py checks the policy).
    countdown = min(countdown, settings.SAGA_RETRY.longest_countdown())
    try:
        app.send_task(task_name(step), args=[order_id], countdown=countdown or None)
    except Exception as error:  # the broker's errors vary by transport; the sweeper covers every one
        logger.warning("could not send the next step; the sweeper will",
                       extra={"order_id": order_id, "step": str(step), "error": repr(error)})
