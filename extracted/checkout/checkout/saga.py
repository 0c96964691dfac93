"""Running one saga step and persisting where it leads: the heart of the asynchronous checkout.

    step_run(order_id, step)
        └─ the order is not at `step`? a redelivery or a late duplicate: do nothing
        └─ steps.ACTIONS[step](order)
             ├─ Done       → flow.on_success     → transition to the next step, and run it here
             ├─ Transient  → attempts left?      → the same step again after a backoff countdown
             │                budget spent       → flow.on_exhausted (compensate, or park for the sweeper)
             └─ Permanent  → flow.on_failure     → compensate now, here

Every outcome is one transition: a compare-and-set on the order's version and the history entries, in
one transaction. Of two workers running one step at once, the second finds the version moved, records
nothing and stops. A step that is due at once runs in the same task, after the transition that chose
it has committed: a message per step would cost more broker and worker time than the step itself. A
step that must wait (a retry's countdown) is sent to the broker, again only after the commit. A worker
that dies between steps leaves the order's committed step behind; the sweeper sends it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from extracted.checkout.checkout import flow, selectors
from extracted.checkout.checkout.dispatch import step_send_later, step_send_on_commit
from extracted.checkout.checkout.flow import Status, Step
from extracted.checkout.checkout.models import Order, SagaEvent
from extracted.checkout.checkout.steps import ACTIONS, Changes, Done, Permanent, StepFailure, Transient

logger = logging.getLogger(__name__)
State = SagaEvent.State
_REASON_LENGTH = Order._meta.get_field("reason").max_length or 200
DATABASE_RETRY_SECONDS = 1.0


@dataclass(frozen=True)
class Entry:
    """A history entry to record with a transition."""

    step: str
    state: str
    detail: str = ""
    attempt: int = 0


def step_run(*, order_id: str, step: Step) -> None:
    """Run `step` for the order if the order is at that step, then every step due at once after it;
    otherwise change nothing."""
    order = selectors.order_at_step(order_id=order_id, step=step)
    if order is None:
        logger.info("step not due: the order is elsewhere or gone", extra={"order_id": order_id, "step": str(step)})
    while order is not None:
        try:
            order = _step_once(order, Step(order.step))
        except DatabaseError as error:
            if order.step == step:
                raise  # the task's own retry sends this step again
            # The task's retry would send the step it began with, which is no longer due: send this one.
            logger.warning("database error mid-saga; the step is sent again",
                           extra={"order_id": order_id, "step": str(order.step), "error": repr(error)})
            step_send_later(order_id=order_id, step=Step(order.step), countdown=DATABASE_RETRY_SECONDS)
            return


def _step_once(order: Order, step: Step) -> Order | None:
    """Run `step` and persist where it leads; the order again when its next step is due at once."""
    try:
        done = ACTIONS[step](order)
    except Transient as failure:
        return _retry_or_give_up(order, step, failure)
    except Permanent as failure:
        return _fail(order, step, failure, flow.on_failure(step, failure.status), attempt=order.attempt + 1)
    return _advance(order, step, done)


def order_transition(order: Order, *, to: Step | None, entries: list[Entry], changes: Changes | None = None,
                     attempt: int = 0, countdown: float = 0.0, send: bool = True) -> bool:
    """Move the order to `to` (None: stay, send nothing) unless someone moved it since it was read.

    The step moved to is sent to the broker after the commit, unless `send` is False: the caller then
    runs it itself. On success `order` holds what was written, so the caller can go on without a read.
    """
    target = to or Step(order.step)
    fields = dict(step=target, attempt=attempt, version=order.version + 1, updated_at=timezone.now(),
                  **(changes or {}))
    with transaction.atomic():
        moved = Order.objects.filter(pk=order.pk, version=order.version).update(**fields)
        if not moved:
            logger.info("transition lost to another worker", extra={"order_id": str(order.pk), "to": str(target)})
            return False
        SagaEvent.objects.bulk_create([SagaEvent(order_id=order.pk, step=entry.step, state=entry.state,
                                                 detail=entry.detail[:300], attempt=entry.attempt)
                                       for entry in entries])
        if send and to is not None and to is not Step.COMPLETED:
            step_send_on_commit(order_id=str(order.pk), step=to, countdown=countdown)
    for name, value in fields.items():
        setattr(order, name, value)
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
    failure = Permanent(why, status=Status.FAILED_AFTER_RETRIES)
    entries, changes = _failure_record(order, step, failure, decision, attempt=order.attempt)
    return order_transition(order, to=decision.step, entries=entries, changes=changes)


def scheduled(step: Step | None) -> list[Entry]:
    """The history entry saying `step` is next (none for the end or a park)."""
    return [] if step is None or step is Step.COMPLETED else [Entry(step, State.SCHEDULED)]


def _advance(order: Order, step: Step, done: Done) -> Order | None:
    decision = flow.on_success(step)
    changes = dict(done.changes)
    if decision.status is not None:
        changes["status"] = decision.status
    state = State.SKIPPED if done.skipped else State.SUCCEEDED
    entries = [Entry(step, state, done.detail, order.attempt + 1), *scheduled(decision.step)]
    return _carry_on(order, to=decision.step, entries=entries, changes=changes)


def _retry_or_give_up(order: Order, step: Step, failure: Transient) -> Order | None:
    attempt = order.attempt + 1
    policy = settings.SAGA_RETRY
    if policy.exhausted(attempt):
        failure.detail = f"gave up after {attempt} tries: {failure.detail}"
        return _fail(order, step, failure, flow.on_exhausted(step), attempt=attempt)
    countdown = policy.countdown(attempt)
    entry = Entry(step, State.RETRYING, f"{failure.detail}; next try in {countdown:.1f} s", attempt)
    order_transition(order, to=step, entries=[entry], changes=failure.changes, attempt=attempt, countdown=countdown)
    return None


def _fail(order: Order, step: Step, failure: StepFailure, decision: flow.Decision, *, attempt: int) -> Order | None:
    entries, changes = _failure_record(order, step, failure, decision, attempt=attempt)
    return _carry_on(order, to=decision.step, entries=entries, changes=changes)


def _failure_record(order: Order, step: Step, failure: StepFailure, decision: flow.Decision, *,
                    attempt: int) -> tuple[list[Entry], Changes]:
    """The history entries and order fields that record `step`'s failure and where it leads."""
    changes = dict(failure.changes)
    if decision.status is not None:
        changes.update(status=decision.status, reason=failure.detail[:_REASON_LENGTH])
    parked = " (parked: the sweeper resumes it)" if decision.step is None else ""
    entries = [Entry(step, State.FAILED, failure.detail + parked, attempt), *scheduled(decision.step)]
    logger.warning("saga step failed", extra={"order_id": str(order.pk), "step": str(step),
                                               "detail": failure.detail, "next": str(decision.step)})
    return entries, changes


def _carry_on(order: Order, *, to: Step | None, entries: list[Entry], changes: Changes) -> Order | None:
    """Persist the move to `to`; the order when `to` is a step for this task to run next."""
    if not order_transition(order, to=to, entries=entries, changes=changes, send=False):
        return None  # another worker moved the order: it carries the saga on
    return order if to is not None and to is not Step.COMPLETED else None
