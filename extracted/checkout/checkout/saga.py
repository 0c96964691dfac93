"""Running one saga step and persisting where it leads: the heart of the asynchronous checkout.

    step_run(order_id, step)
        └─ the order is not at `step`? a redelivery or a late duplicate: do nothing
        └─ steps.ACTIONS[step](order)
             ├─ Done       → flow.on_success     → transition to the next step
             ├─ Transient  → attempts left?      → the same step again after a backoff countdown
             │                budget spent       → flow.on_exhausted (compensate, or park for the sweeper)
             └─ Permanent  → flow.on_failure     → compensate now

Every outcome is one transition: a compare-and-set on the order's version, the history entries, and
the next step sent only after that transaction commits. Of two workers running one step at once, the
second finds the version moved and records nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from extracted.checkout.checkout import flow, selectors
from extracted.checkout.checkout.dispatch import step_send_on_commit
from extracted.checkout.checkout.flow import Status, Step
from extracted.checkout.checkout.models import Order, SagaEvent
from extracted.checkout.checkout.steps import ACTIONS, Changes, Done, Permanent, StepFailure, Transient

logger = logging.getLogger(__name__)
State = SagaEvent.State
_REASON_LENGTH = Order._meta.get_field("reason").max_length or 200


@dataclass(frozen=True)
class Entry:
    """A history entry to record with a transition."""

    step: str
    state: str
    detail: str = ""
    attempt: int = 0


def step_run(*, order_id: str, step: Step) -> None:
    """Run `step` for the order if the order is at that step; otherwise change nothing."""
    order = selectors.order_at_step(order_id=order_id, step=step)
    if order is None:
        logger.info("step not due: the order is elsewhere or gone", extra={"order_id": order_id, "step": str(step)})
        return
    try:
        done = ACTIONS[step](order)
    except Transient as failure:
        _retry_or_give_up(order, step, failure)
    except Permanent as failure:
        _fail(order, step, failure, flow.on_failure(step, failure.status), attempt=order.attempt + 1)
    else:
        _advance(order, step, done)


def order_transition(order: Order, *, to: Step | None, entries: list[Entry], changes: Changes | None = None,
                     attempt: int = 0, countdown: float = 0.0) -> bool:
    """Move the order to `to` (None: stay, send nothing) unless someone moved it since it was read."""
    target = to or Step(order.step)
    with transaction.atomic():
        moved = Order.objects.filter(pk=order.pk, version=order.version).update(
            step=target, attempt=attempt, version=order.version + 1, updated_at=timezone.now(), **(changes or {}))
        if not moved:
            logger.info("transition lost to another worker", extra={"order_id": str(order.pk), "to": str(target)})
            return False
        SagaEvent.objects.bulk_create([SagaEvent(order_id=order.pk, step=entry.step, state=entry.state,
                                                 detail=entry.detail[:300], attempt=entry.attempt)
                                       for entry in entries])
        if to is not None and to is not Step.COMPLETED:
            step_send_on_commit(order_id=str(order.pk), step=to, countdown=countdown)
    logger.info("order moved", extra={"order_id": str(order.pk), "to": str(target), "attempt": attempt,
                                      "events": [f"{entry.step}:{entry.state}" for entry in entries]})
    return True


def order_resume(order: Order, *, why: str) -> bool:
    """Send the order's current step again, with a fresh retry budget (the sweeper's first remedy)."""
    step = Step(order.step)
    return order_transition(order, to=step, entries=[Entry(step, State.RESUMED, why)])


def order_abandon(order: Order, *, why: str) -> bool:
    """Give up on an order that waited too long before the point of no return: compensate it."""
    step = Step(order.step)
    decision = flow.on_failure(step, Status.FAILED_AFTER_RETRIES)
    return _fail(order, step, Permanent(why, status=Status.FAILED_AFTER_RETRIES), decision, attempt=order.attempt)


def scheduled(step: Step | None) -> list[Entry]:
    """The history entry saying `step` is next (none for the end or a park)."""
    return [] if step is None or step is Step.COMPLETED else [Entry(step, State.SCHEDULED)]


def _advance(order: Order, step: Step, done: Done) -> None:
    decision = flow.on_success(step)
    changes = dict(done.changes)
    if decision.status is not None:
        changes["status"] = decision.status
    state = State.SKIPPED if done.skipped else State.SUCCEEDED
    entries = [Entry(step, state, done.detail, order.attempt + 1), *scheduled(decision.step)]
    order_transition(order, to=decision.step, entries=entries, changes=changes)


def _retry_or_give_up(order: Order, step: Step, failure: Transient) -> None:
    attempt = order.attempt + 1
    policy = settings.SAGA_RETRY
    if policy.exhausted(attempt):
        failure.detail = f"gave up after {attempt} tries: {failure.detail}"
        _fail(order, step, failure, flow.on_exhausted(step), attempt=attempt)
        return
    countdown = policy.countdown(attempt)
    entry = Entry(step, State.RETRYING, f"{failure.detail}; next try in {countdown:.1f} s", attempt)
    order_transition(order, to=step, entries=[entry], changes=failure.changes, attempt=attempt, countdown=countdown)


def _fail(order: Order, step: Step, failure: StepFailure, decision: flow.Decision, *, attempt: int) -> bool:
    changes = dict(failure.changes)
    if decision.status is not None:
        changes.update(status=decision.status, reason=failure.detail[:_REASON_LENGTH])
    parked = " (parked: the sweeper resumes it)" if decision.step is None else ""
    entries = [Entry(step, State.FAILED, failure.detail + parked, attempt), *scheduled(decision.step)]
    logger.warning("saga step failed", extra={"order_id": str(order.pk), "step": str(step),
                                               "detail": failure.detail, "next": str(decision.step)})
    return order_transition(order, to=decision.step, entries=entries, changes=changes)
