"""The catalogue as the checkout service reaches it: over HTTP, never through its database.

Products come from the public API (`GET /v1/products/{id}`); stock is held, sold for good (committed) and
given back through the catalogue's internal reservations API, keyed by the caller's reservation id (the
order id), so every call can be repeated. What a refusal stands for depends on the call:

    CatalogError
    ├── OutOfStock             reserve: 409, fewer units left than asked for: permanent
    ├── ReservationCommitted   release: 409, the units are sold for good: nothing to give back
    ├── ReservationGone        commit: nothing left to sell
    │   ├── ReservationNotFound    404: never made
    │   └── ReservationReleased    410: given back
    ├── CatalogRejected        any other 4xx (unknown product, reservation already released): permanent
    └── CatalogUnavailable     connect error, timeout, 5xx, 429: transient, try again later with the same id
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from chassis.http import ServiceSession
from chassis.identity import INTERNAL_HEADER

RESERVATIONS = "/internal/catalog/reservations"
_TRANSIENT_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


class CatalogError(Exception):
    """The catalogue did not do what was asked."""


class OutOfStock(CatalogError):
    """The product has fewer units left than were asked for."""


class ReservationCommitted(CatalogError):
    """The reservation was committed: its units are sold, and releasing it cannot give them back."""


class ReservationGone(CatalogError):
    """The reservation to commit holds no units to sell."""


class ReservationNotFound(ReservationGone):
    """No reservation was ever made under that id."""


class ReservationReleased(ReservationGone):
    """The reservation was released: its units went back on the shelf."""


class CatalogRejected(CatalogError):
    """The catalogue refused the request itself; sending it again cannot help."""


class CatalogUnavailable(CatalogError):
    """No answer, or a 5xx: whether it acted is unknown, so try again later with the same id."""


# The error each refusal of a call stands for: a status means different things to different calls.
Refusals = dict[int, type[CatalogError]]


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    price_cents: int
    currency: str


class CatalogClient:
    """The catalogue at `base_url`; keep one per process, as it pools keep-alive connections.

    `proof` returns a fresh `X-Strangler-Internal` value for each call to the internal API.
    """

    def __init__(self, base_url: str, *, proof: Callable[[], str], timeout: tuple[float, float] = (1.0, 5.0),
                 retries: int = 1) -> None:
        self.session = ServiceSession(base_url, timeout=timeout, retries=retries)
        self.proof = proof

    def product_get(self, product_id: str) -> Product | None:
        """The product, or None when the catalogue has no such product."""
        response = self._call("GET", f"/v1/products/{quote(product_id, safe='')}")
        if response.status_code == 404:
            return None
        body = _answer(response)
        try:
            return Product(id=body["id"], name=body["name"], price_cents=int(body["priceCents"]),
                           currency=body["currency"])
        except (KeyError, TypeError, ValueError) as problem:
            raise CatalogUnavailable(f"a product from the catalogue is malformed: {problem!r}") from None

    def reservation_make(self, *, reservation_id: str, product_id: str, quantity: int) -> None:
        """Hold `quantity` units under `reservation_id`; repeating it holds nothing more."""
        body = {"productId": product_id, "quantity": quantity}
        _answer(self._internal("PUT", _reservation_path(reservation_id), json=body), {409: OutOfStock})

    def reservation_release(self, reservation_id: str) -> None:
        """Give back what `reservation_id` holds; releasing twice, or what was never held, is a no-op.

        Raises ReservationCommitted when its units were sold: there is nothing to give back.
        """
        _answer(self._internal("DELETE", _reservation_path(reservation_id)), {409: ReservationCommitted})

    def reservation_commit(self, reservation_id: str) -> None:
        """Sell what `reservation_id` holds for good; committing twice is a no-op.

        Raises ReservationNotFound or ReservationReleased (both ReservationGone): it holds nothing to sell.
        """
        path = f"{_reservation_path(reservation_id)}/commit"
        _answer(self._internal("POST", path), {404: ReservationNotFound, 410: ReservationReleased})

    def reservations_held(self, *, after: datetime.datetime, before: datetime.datetime) -> list[str]:
        """Ids of the reservations made in that window and still held, oldest first."""
        params = {"heldAfter": after.isoformat(), "heldBefore": before.isoformat()}
        body = _answer(self._internal("GET", RESERVATIONS, params=params))
        return [item["reservationId"] for item in body.get("reservations", [])]

    def close(self) -> None:
        self.session.close()

    def _internal(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self._call(method, path, headers={INTERNAL_HEADER: self.proof()}, **kwargs)

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(method, path, **kwargs)
        except _TRANSIENT_ERRORS as error:
            raise CatalogUnavailable(f"{method} {path}: {error}") from error


def _reservation_path(reservation_id: str) -> str:
    return f"{RESERVATIONS}/{quote(reservation_id, safe='')}"


def _answer(response: requests.Response, refusals: Refusals | None = None) -> dict[str, Any]:
    """The JSON body of a 2xx (empty for 204); otherwise the error it stands for in this call."""
    if response.ok:
        return _json(response) if response.content else {}
    message = str(_json(response).get("message") or response.reason)
    refusal = (refusals or {}).get(response.status_code)
    if refusal is not None:
        raise refusal(f"{response.status_code}: {message}")
    if response.status_code >= 500 or response.status_code == 429:
        raise CatalogUnavailable(f"{response.status_code}: {message}")
    raise CatalogRejected(f"{response.status_code}: {message}")


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
