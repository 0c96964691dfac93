"""Objects as the wire shows them (Stripe's field names; times as Unix seconds or ISO 8601)."""

from __future__ import annotations

from typing import Any

from sandboxes.card_processor.models import LedgerEntry, PaymentIntent, Refund

DECLINE_MESSAGE = "Your card was declined."


def intent_body(intent: PaymentIntent) -> dict[str, Any]:
    received = intent.amount if intent.status == PaymentIntent.Status.SUCCEEDED else 0
    return {
        "id": intent.id, "object": "payment_intent", "amount": intent.amount, "amount_received": received,
        "currency": intent.currency, "status": intent.status, "capture_method": intent.capture_method,
        "payment_method": intent.payment_method, "metadata": intent.metadata,
        "created": int(intent.created.timestamp()), "last_payment_error": _last_error(intent),
    }


def refund_body(refund: Refund) -> dict[str, Any]:
    return {"id": refund.id, "object": "refund", "payment_intent": refund.payment_intent_id,
            "amount": refund.amount, "status": refund.status, "created": int(refund.created.timestamp())}


def entry_body(entry: LedgerEntry) -> dict[str, Any]:
    return {"seq": entry.seq, "kind": entry.kind, "payment_intent": entry.payment_intent,
            "amount": entry.amount, "currency": entry.currency, "idempotency_key": entry.idempotency_key,
            "metadata": entry.metadata, "at": entry.at.isoformat()}


def _last_error(intent: PaymentIntent) -> dict[str, str] | None:
    if not intent.decline_code:
        return None
    return {"type": "card_error", "code": "card_declined", "decline_code": intent.decline_code,
            "message": DECLINE_MESSAGE}
