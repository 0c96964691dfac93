"""The checkout saga as data: its steps, where each one leads, and what a failure at each one does.

Pure: no Django, no I/O, so the state machine is tested on its own.

    forward        reserve_stock → authorize_payment → confirm_order → capture_payment → commit_stock
                   → publish_event → completed
    compensations  void_payment → release_stock → publish_event → completed

    failure at          why                       goes to            status
    reserve_stock       out of stock              publish_event      out_of_stock
    reserve_stock       budget spent / refused    release_stock      failed_after_retries / failed
    authorize_payment   declined                  release_stock      payment_declined
    authorize_payment   budget spent / refused    void_payment       failed_after_retries / failed
    capture_payment     refused                   void_payment       failed
    capture_payment     budget spent              parked: the sweeper resumes it (status stays confirmed)
    commit_stock        budget spent / refused    parked / publish_event (status stays confirmed)
    publish_event       budget spent / refused    parked / completed
    void / release      budget spent / refused    the next compensation; the sweeper finishes this one

`confirm_order` is the point of no return: before it a failure compensates, after it a transient failure
that outlasts the retry budget parks the order for the sweeper (an authorisation can be captured for
days), and only a permanent refusal of the capture still compensates. The stock is committed (sold for
good, no longer releasable) only once the money is captured, so that compensation stays possible until
then. A compensation that cannot finish does not stop the others: the saga moves on and the sweeper
finishes it later.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Step(StrEnum):
    RESERVE_STOCK = "reserve_stock"
    AUTHORIZE_PAYMENT = "authorize_payment"
    CONFIRM_ORDER = "confirm_order"
    CAPTURE_PAYMENT = "capture_payment"
    COMMIT_STOCK = "commit_stock"
    VOID_PAYMENT = "void_payment"
    RELEASE_STOCK = "release_stock"
    PUBLISH_EVENT = "publish_event"
    COMPLETED = "completed"


class Status(StrEnum):
    """What the client reads: pending, then one terminal status that says why."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    OUT_OF_STOCK = "out_of_stock"
    PAYMENT_DECLINED = "payment_declined"
    FAILED_AFTER_RETRIES = "failed_after_retries"
    FAILED = "failed"  # refused for a reason that is neither the customer's nor transient


class Stock(StrEnum):
    NONE = "none"
    UNKNOWN = "unknown"  # a reservation was asked for and no answer came
    HELD = "held"
    RELEASED = "released"
    COMMITTED = "committed"  # sold for good: the catalogue no longer lists it as held nor releases it


class Payment(StrEnum):
    NONE = "none"
    UNKNOWN = "unknown"  # an authorisation was asked for and no answer came
    AUTHORIZED = "authorized"
    DECLINED = "declined"
    CAPTURED = "captured"
    VOIDED = "voided"


FIRST_STEP = Step.RESERVE_STOCK
STEPS: tuple[Step, ...] = tuple(step for step in Step if step is not Step.COMPLETED)
COMPENSATIONS = frozenset({Step.VOID_PAYMENT, Step.RELEASE_STOCK})
# Steps after the point of no return: an exhausted budget parks the order instead of compensating.
PARK_WHEN_EXHAUSTED = frozenset({Step.CAPTURE_PAYMENT, Step.COMMIT_STOCK, Step.PUBLISH_EVENT})
# Steps after the money is captured: a refusal is recorded and the saga goes on, undoing nothing.
AFTER_CAPTURE = frozenset({Step.COMMIT_STOCK, Step.PUBLISH_EVENT})
# Steps the sweeper may still give up on (compensate) when an order has waited too long in them.
ABANDONABLE = frozenset({Step.RESERVE_STOCK, Step.AUTHORIZE_PAYMENT})

_NEXT: dict[Step, Step] = {
    Step.RESERVE_STOCK: Step.AUTHORIZE_PAYMENT,
    Step.AUTHORIZE_PAYMENT: Step.CONFIRM_ORDER,
    Step.CONFIRM_ORDER: Step.CAPTURE_PAYMENT,
    Step.CAPTURE_PAYMENT: Step.COMMIT_STOCK,
    Step.COMMIT_STOCK: Step.PUBLISH_EVENT,
    Step.VOID_PAYMENT: Step.RELEASE_STOCK,
    Step.RELEASE_STOCK: Step.PUBLISH_EVENT,
    Step.PUBLISH_EVENT: Step.COMPLETED,
}


@dataclass(frozen=True)
class Decision:
    """Where the saga goes next (None: stay parked for the sweeper) and the status to set, if any."""

    step: Step | None
    status: Status | None = None


def on_success(step: Step) -> Decision:
    """`step` did what it had to."""
    return Decision(_NEXT[step], Status.CONFIRMED if step is Step.CONFIRM_ORDER else None)


def on_failure(step: Step, status: Status) -> Decision:
    """`step` failed for good (a permanent refusal, or a spent budget before the point of no return)."""
    if step in COMPENSATIONS or step in AFTER_CAPTURE:
        return Decision(_NEXT[step])  # nothing to undo here; the sweeper or a person finishes it later
    return Decision(_compensation_after(step, status), status)


def on_exhausted(step: Step) -> Decision:
    """`step` kept failing transiently until the retry budget ran out."""
    if step in PARK_WHEN_EXHAUSTED:
        return Decision(None)
    return on_failure(step, Status.FAILED_AFTER_RETRIES)


def _compensation_after(step: Step, status: Status) -> Step:
    if step is Step.RESERVE_STOCK:
        # Nothing was taken when the shelf was empty; any other failure may have taken stock.
        return Step.PUBLISH_EVENT if status is Status.OUT_OF_STOCK else Step.RELEASE_STOCK
    if step is Step.AUTHORIZE_PAYMENT and status is Status.PAYMENT_DECLINED:
        return Step.RELEASE_STOCK
    return Step.VOID_PAYMENT


def is_terminal(status: Status) -> bool:
    return status is not Status.PENDING
