"""Every write the sandbox makes: the PaymentIntent state machine, refunds and the ledger.

    create ──automatic──► succeeded ──refund(s)──► (amount_refunded grows up to amount)
       │  └──manual────► requires_capture ──capture──► succeeded
       │                         └──────────cancel──► canceled
       └──declined─────► requires_payment_method   (recorded, answered 402)

Each function is atomic and appends one ledger entry per action; a refusal raises an ApiError and
changes nothing.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.db import transaction

from sandboxes.card_processor.errors import InvalidRequest, NotFound
from sandboxes.card_processor.models import IdempotencyKey, LedgerEntry, PaymentIntent, Refund
from sandboxes.card_processor.params import IntentCreate, RefundCreate

logger = logging.getLogger(__name__)

Status = PaymentIntent.Status
Kind = LedgerEntry.Kind

# Stripe's test payment methods that always decline, with the decline code Stripe gives them.
DECLINING_PAYMENT_METHODS = {
    "pm_card_chargeDeclined": "generic_decline",
    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
    "pm_card_chargeDeclinedFraudulent": "fraudulent",
}


@transaction.atomic
def intent_create(*, params: IntentCreate, idempotency_key: str | None) -> PaymentIntent:
    """Create and confirm an intent; a declined one is stored too (status requires_payment_method)."""
    decline_code = _decline_code(params)
    intent = PaymentIntent.objects.create(
        id=_new_id("pi"), amount=params.amount, currency=params.currency,
        status=_status_after_confirm(params, decline_code), payment_method=params.payment_method,
        capture_method=params.capture_method, decline_code=decline_code, metadata=params.metadata)
    kind = Kind.DECLINE if decline_code else Kind.CHARGE if intent.status == Status.SUCCEEDED else Kind.AUTHORIZE
    _record(kind, intent, intent.amount, idempotency_key)
    return intent


@transaction.atomic
def intent_capture(*, intent_id: str, idempotency_key: str | None) -> PaymentIntent:
    intent = _locked(intent_id, expected=Status.REQUIRES_CAPTURE, action="captured")
    return _move(intent, Status.SUCCEEDED, Kind.CAPTURE, idempotency_key)


@transaction.atomic
def intent_cancel(*, intent_id: str, idempotency_key: str | None) -> PaymentIntent:
    """Void an authorisation; nothing was taken, so nothing is refunded."""
    intent = _locked(intent_id, expected=Status.REQUIRES_CAPTURE, action="canceled")
    return _move(intent, Status.CANCELED, Kind.VOID, idempotency_key)


@transaction.atomic
def refund_create(*, params: RefundCreate, idempotency_key: str | None) -> Refund:
    """Refund all that is left of a succeeded intent, or `params.amount` of it."""
    intent = _locked(params.payment_intent, expected=Status.SUCCEEDED, action="refunded")
    amount = _refundable(intent, params.amount)
    refund = Refund.objects.create(id=_new_id("re"), payment_intent=intent, amount=amount)
    intent.amount_refunded += amount
    intent.save(update_fields=["amount_refunded"])
    _record(Kind.REFUND, intent, amount, idempotency_key)
    return refund


@transaction.atomic
def sandbox_reset() -> None:
    """Forget everything: for tests that want a clean processor."""
    for model in (LedgerEntry, IdempotencyKey, Refund, PaymentIntent):
        model.objects.all().delete()
    logger.warning("sandbox reset: ledger, intents and idempotency keys wiped")


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _decline_code(params: IntentCreate) -> str:
    if params.payment_method in DECLINING_PAYMENT_METHODS:
        return DECLINING_PAYMENT_METHODS[params.payment_method]
    if params.amount >= settings.CARD_SANDBOX_RISK_LIMIT_CENTS:
        return "risk_threshold"
    return ""


def _status_after_confirm(params: IntentCreate, decline_code: str) -> str:
    if decline_code:
        return Status.REQUIRES_PAYMENT_METHOD
    return Status.SUCCEEDED if params.capture_method == "automatic" else Status.REQUIRES_CAPTURE


def _locked(intent_id: str, *, expected: str, action: str) -> PaymentIntent:
    """The intent, row-locked until commit, if it is in the `expected` state."""
    intent = PaymentIntent.objects.select_for_update().filter(id=intent_id).first()
    if intent is None:
        raise NotFound("resource_missing", f"No such payment_intent: '{intent_id}'", param="intent")
    if intent.status != expected:
        raise InvalidRequest("payment_intent_unexpected_state",
                             f"This PaymentIntent could not be {action} because it has a status of "
                             f"{intent.status}; only a PaymentIntent with status {expected} can be.")
    return intent


def _refundable(intent: PaymentIntent, requested: int | None) -> int:
    remaining = intent.amount - intent.amount_refunded
    if remaining == 0:
        raise InvalidRequest("charge_already_refunded", f"PaymentIntent {intent.id} is fully refunded.")
    if requested is not None and requested > remaining:
        raise InvalidRequest("amount_too_large", f"Refund amount ({requested}) is greater than the "
                             f"unrefunded amount on the payment ({remaining}).", param="amount")
    return remaining if requested is None else requested


def _move(intent: PaymentIntent, status: str, kind: str, idempotency_key: str | None) -> PaymentIntent:
    intent.status = status
    intent.save(update_fields=["status"])
    _record(kind, intent, intent.amount, idempotency_key)
    return intent


def _record(kind: str, intent: PaymentIntent, amount: int, idempotency_key: str | None) -> None:
    LedgerEntry.objects.create(kind=kind, payment_intent=intent.id, amount=amount, currency=intent.currency,
                               idempotency_key=idempotency_key, metadata=intent.metadata)
    logger.info("ledger: %s %s %s %s", kind, intent.id, amount, intent.currency,
                extra={"kind": kind, "payment_intent": intent.id, "amount": amount,
                       "idempotency_key": idempotency_key})
