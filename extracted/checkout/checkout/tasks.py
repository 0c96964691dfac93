"""The saga's tasks: one per step, named `checkout.saga.<step>`, each taking only the order id.

Each is a thin entry into `saga.step_run`, which does nothing unless the order is waiting for that very
step (a redelivered or duplicated message changes nothing) and then carries the saga on through every
step that is due at once: a message names the step a run starts at, and only a retry's countdown or the
sweeper sends another. Late acks (the chassis default) mean a worker killed mid-step leaves its message
to be delivered again; a database error is retried.
"""

from __future__ import annotations

from functools import partial

from django.db import DatabaseError

from extracted.checkout.celery_app import app
from extracted.checkout.checkout.flow import Step
from extracted.checkout.checkout.saga import step_run

# A database error (a lock, a lost connection) is transient: Celery acknowledges a task that raised,
# so without a retry its message would be gone and the order would wait for the sweeper. The retry's
# countdown stays far below the broker's visibility timeout.
step_task = partial(app.task, autoretry_for=(DatabaseError,), retry_backoff=1, retry_backoff_max=60,
                    retry_jitter=True, max_retries=20)


@step_task(name="checkout.saga.reserve_stock")
def reserve_stock(order_id: str) -> None:
    """Hold the order's stock in the catalogue, keyed by the order id."""
    step_run(order_id=order_id, step=Step.RESERVE_STOCK)


@step_task(name="checkout.saga.authorize_payment")
def authorize_payment(order_id: str) -> None:
    """Authorise the amount on the customer's card, with the order's authorise key."""
    step_run(order_id=order_id, step=Step.AUTHORIZE_PAYMENT)


@step_task(name="checkout.saga.confirm_order")
def confirm_order(order_id: str) -> None:
    """Mark the order confirmed: the point after which the saga no longer compensates."""
    step_run(order_id=order_id, step=Step.CONFIRM_ORDER)


@step_task(name="checkout.saga.capture_payment")
def capture_payment(order_id: str) -> None:
    """Capture the authorised amount, with the order's capture key."""
    step_run(order_id=order_id, step=Step.CAPTURE_PAYMENT)


@step_task(name="checkout.saga.commit_stock")
def commit_stock(order_id: str) -> None:
    """Sell the order's held stock for good in the catalogue, once the money is captured."""
    step_run(order_id=order_id, step=Step.COMMIT_STOCK)


@step_task(name="checkout.saga.void_payment")
def void_payment(order_id: str) -> None:
    """Compensation: void the authorisation, if one was (or may have been) made."""
    step_run(order_id=order_id, step=Step.VOID_PAYMENT)


@step_task(name="checkout.saga.release_stock")
def release_stock(order_id: str) -> None:
    """Compensation: give the order's stock back to the catalogue."""
    step_run(order_id=order_id, step=Step.RELEASE_STOCK)


@step_task(name="checkout.saga.publish_event")
def publish_event(order_id: str) -> None:
    """Publish order.confirmed or order.failed for the notifications worker."""
    step_run(order_id=order_id, step=Step.PUBLISH_EVENT)
