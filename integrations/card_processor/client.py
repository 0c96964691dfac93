"""The client every deployable uses to take money through the card processor (Stripe-like HTTP API).

Every write carries an idempotency key chosen by the caller, and a transient failure is retried with
that same key: a charge whose answer was lost is answered, on retry, with the original charge, so a
retried call never charges twice. Errors, by what the caller should do about them:

    CardProcessorError              the processor did not do what was asked
    ├── PaymentDeclined             the card was declined: permanent, tell the customer (decline_code)
    ├── CardProcessorRejected       a 4xx other than a decline: our bug or an idempotency-key conflict;
    │                               permanent, retrying the same request cannot help
    └── CardProcessorUnavailable    connect error, timeout, dropped connection, 409/429/5xx: transient,
                                    raised only after the retries; whether it acted is unknown (unless
                                    `reached` is False), so retry later with the same key, or
                                    void/refund with it
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from urllib3.exceptions import NewConnectionError

from chassis.http import DEFAULT_TIMEOUT, ServiceSession

logger = logging.getLogger(__name__)

# 409: the same key is in flight in another request; 429: rate limited. Both pass if one waits.
_TRANSIENT_STATUSES = frozenset({409, 429})
_TRANSIENT_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


class CardProcessorError(Exception):
    """The processor did not do what was asked."""


class PaymentDeclined(CardProcessorError):
    """The card was declined; `decline_code` says why (e.g. generic_decline, insufficient_funds)."""

    def __init__(self, decline_code: str, message: str, *, payment_id: str | None = None) -> None:
        super().__init__(f"{message} ({decline_code})")
        self.decline_code = decline_code
        self.message = message
        self.payment_id = payment_id


class CardProcessorRejected(CardProcessorError):
    """The processor refused the request itself (4xx other than a decline); resending it will not help."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class CardProcessorUnavailable(CardProcessorError):
    """No answer, or a transient error answer, even after retrying with the same idempotency key.

    `reached` is False only when no attempt got a connection to the processor (refused, or timed out
    connecting): then the request never left, and the processor cannot have acted on it.
    """

    def __init__(self, message: str, *, reached: bool = True) -> None:
        super().__init__(message)
        self.reached = reached


@dataclass(frozen=True)
class Payment:
    """A PaymentIntent as the processor last described it."""

    id: str
    status: str  # succeeded | requires_capture | canceled | requires_payment_method
    amount_cents: int
    currency: str


@dataclass(frozen=True)
class Refund:
    id: str
    payment_id: str
    amount_cents: int
    status: str


class CardProcessorClient:
    """The processor at `base_url`; keep one per process, as it pools keep-alive connections.

    `api_key`, when given, is sent as `Authorization: Bearer ...` (the real provider needs it; the
    sandbox ignores it). `retries` transient failures are retried after `backoff`, 2x`backoff`, ...
    """

    def __init__(self, base_url: str, *, timeout: tuple[float, float] = DEFAULT_TIMEOUT, retries: int = 2,
                 backoff: float = 0.1, api_key: str | None = None) -> None:
        # The session must not retry on its own: a retry here always reuses the idempotency key.
        self.session = ServiceSession(base_url, timeout=timeout, retries=0)
        if api_key:
            self.session.headers["Authorization"] = f"Bearer {api_key}"
        self.retries = retries
        self.backoff = backoff

    def charge(self, *, amount_cents: int, currency: str, payment_method: str, idempotency_key: str,
               metadata: Mapping[str, str] | None = None) -> Payment:
        """Take `amount_cents` now (automatic capture)."""
        return self._create(amount_cents, currency, payment_method, idempotency_key, metadata, "automatic")

    def authorize(self, *, amount_cents: int, currency: str, payment_method: str, idempotency_key: str,
                  metadata: Mapping[str, str] | None = None) -> Payment:
        """Hold `amount_cents` on the card (manual capture); `capture` or `void` it later."""
        return self._create(amount_cents, currency, payment_method, idempotency_key, metadata, "manual")

    def capture(self, payment_id: str, *, idempotency_key: str) -> Payment:
        return _payment(self._post(_intent_path(payment_id, "/capture"), {}, idempotency_key))

    def void(self, payment_id: str, *, idempotency_key: str) -> Payment:
        """Release an authorisation that was not captured."""
        return _payment(self._post(_intent_path(payment_id, "/cancel"), {}, idempotency_key))

    def refund(self, payment_id: str, *, idempotency_key: str, amount_cents: int | None = None) -> Refund:
        """Give back `amount_cents` of a succeeded payment, or all that is left of it."""
        body: dict[str, Any] = {"payment_intent": payment_id}
        if amount_cents is not None:
            body["amount"] = amount_cents
        return _refund(self._post("/v1/refunds", body, idempotency_key))

    def get(self, payment_id: str) -> Payment:
        return _payment(self._call("GET", _intent_path(payment_id), None, None))

    def close(self) -> None:
        self.session.close()

    def _create(self, amount_cents: int, currency: str, payment_method: str, idempotency_key: str,
                metadata: Mapping[str, str] | None, capture_method: str) -> Payment:
        body = {"amount": amount_cents, "currency": currency, "payment_method": payment_method,
                "capture_method": capture_method, "metadata": dict(metadata or {})}
        return _payment(self._post("/v1/payment_intents", body, idempotency_key))

    def _post(self, path: str, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        return self._call("POST", path, body, {"Idempotency-Key": idempotency_key})

    def _call(self, method: str, path: str, body: dict[str, Any] | None,
              headers: dict[str, str] | None) -> dict[str, Any]:
        """One logical call: the first attempt and up to `retries` more, all with the same headers."""
        attempt, reached = 0, False
        while True:
            try:
                return self._attempt(method, path, body, headers)
            except CardProcessorUnavailable as error:
                reached = reached or error.reached
                if attempt >= self.retries:
                    error.reached = reached  # any attempt that got through may have acted
                    raise
                logger.warning("card processor call failed; retrying with the same key",
                               extra={"path": path, "attempt": attempt + 1, "error": str(error)})
                time.sleep(self._pause(attempt))
                attempt += 1

    def _attempt(self, method: str, path: str, body: dict[str, Any] | None,
                 headers: dict[str, str] | None) -> dict[str, Any]:
        try:
            response = self.session.request(method, path, json=body, headers=headers)
        except _TRANSIENT_ERRORS as error:
            raise CardProcessorUnavailable(f"{method} {path}: {error}", reached=not _never_connected(error)) from error
        return _answer(response)

    def _pause(self, attempt: int) -> float:
        # Exponential, with jitter so clients that failed together do not retry together.
        return self.backoff * (2.0 ** attempt) * random.uniform(0.5, 1.0)


def _never_connected(error: requests.RequestException) -> bool:
    """Whether the request failed before a connection to the processor existed (nothing was sent)."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(error, requests.ConnectionError) and isinstance(reason, NewConnectionError)


def _intent_path(payment_id: str, action: str = "") -> str:
    return f"/v1/payment_intents/{quote(payment_id, safe='')}{action}"


def _answer(response: requests.Response) -> dict[str, Any]:
    """The JSON body of a 2xx; otherwise the error it stands for."""
    if response.ok:
        body = _json(response)
        if body is None:
            raise CardProcessorError(f"unreadable answer ({response.status_code}) from the card processor")
        return body
    raise _error(response)


def _error(response: requests.Response) -> CardProcessorError:
    status = response.status_code
    error = (_json(response) or {}).get("error") or {}
    message = str(error.get("message") or response.reason or "no message")
    if status == 402:
        intent = error.get("payment_intent") or {}
        return PaymentDeclined(str(error.get("decline_code") or "generic_decline"), message,
                               payment_id=intent.get("id"))
    if status >= 500 or status in _TRANSIENT_STATUSES:
        return CardProcessorUnavailable(f"{status} {error.get('code') or 'error'}: {message}")
    return CardProcessorRejected(status, str(error.get("code") or error.get("type") or "unknown"), message)


def _json(response: requests.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _payment(body: dict[str, Any]) -> Payment:
    try:
        return Payment(id=body["id"], status=body["status"], amount_cents=body["amount"],
                       currency=body["currency"])
    except KeyError as missing:
        raise CardProcessorError(f"a payment from the card processor lacks {missing}") from None


def _refund(body: dict[str, Any]) -> Refund:
    try:
        return Refund(id=body["id"], payment_id=body["payment_intent"], amount_cents=body["amount"],
                      status=body["status"])
    except KeyError as missing:
        raise CardProcessorError(f"a refund from the card processor lacks {missing}") from None
