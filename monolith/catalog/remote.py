"""The catalogue service, as the monolith's gateway reaches it when CATALOG_SERVICE_URL is set.

The same API as the monolith's own catalogue (catalog_contract.api), over chassis.http.ServiceSession:
every call has a timeout and carries the request id and the signed identity of the user it is made for
(monolith.catalog.caller); only what is safe is retried (connection failures, and 502/503/504 for reads
and for the reservation calls, which are idempotent by the reservation id; the commit is a POST, which
the session does not resend after a 5xx answer, so that comes back as CatalogUnavailable and the caller
repeats it). Calls to the internal reservations API carry a fresh internal proof. The service's refusals
come back as the monolith's own domain errors, so no caller of the gateway can tell the two apart; what
a status stands for depends on the call:

    reserve   404 ProductNotFound · 409 OutOfStock · 410 ReservationReleased · 422 ReservationConflict
    release   409 ReservationCommitted
    commit    404 ReservationNotFound · 410 ReservationReleased
    any call  no answer, another 4xx, a 5xx, a 429 or a body that is not the contract's  →  CatalogUnavailable
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import requests

from chassis.errors import ApplicationError
from chassis.http import ServiceSession
from chassis.identity import HEADER as IDENTITY_HEADER
from chassis.identity import INTERNAL_HEADER
from monolith.catalog.errors import (
    OutOfStock,
    ProductNotFound,
    ReservationCommitted,
    ReservationConflict,
    ReservationNotFound,
    ReservationReleased,
)

RESERVATIONS = "/internal/catalog/reservations"

# The domain error each refusal of a call stands for; a status not listed is no answer the contract gives.
Refusals = dict[int, Callable[[], ApplicationError]]

logger = logging.getLogger(__name__)


class CatalogUnavailable(ApplicationError):
    """The catalogue service gave no usable answer; whether a write took effect is unknown.

    Its message is the client's; what went wrong (`detail`, naming the call) is logged where it is raised.
    """

    default_message = "The catalogue is unavailable; try again shortly."

    def __init__(self, detail: str) -> None:
        super().__init__()
        self.detail = detail
        logger.warning("the catalogue service gave no usable answer", extra={"detail": detail})


class RemoteCatalog:
    """The catalogue service at `base_url`; one per thread (requests' sessions are not shared across threads).

    `proof` returns a fresh X-Strangler-Internal value for each call to the internal API; `identity`
    returns the signed X-Strangler-Identity of the user the call is made for, or None for nobody.
    """

    def __init__(self, base_url: str, *, proof: Callable[[], str], identity: Callable[[], str | None],
                 timeout: tuple[float, float], retries: int = 1) -> None:
        self.session = ServiceSession(base_url, timeout=timeout, retries=retries)
        self.proof = proof
        self.identity = identity

    def product(self, product_id: str) -> dict[str, Any] | None:
        response = self._call("GET", f"/v1/products/{quote(product_id, safe='')}")
        if response.status_code == 404:
            return None
        return _body(response)

    def products(self, *, words: list[str], category: str | None, max_price_cents: int | None,
                 limit: int) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"q": " ".join(words), "limit": limit}
        if category:
            params["category"] = category
        if max_price_cents is not None:
            params["maxPriceCents"] = max_price_cents
        found = _body(self._call("GET", "/v1/products", params=params)).get("products")
        if not isinstance(found, list):
            raise CatalogUnavailable("the catalogue's search answer has no product list")
        return found

    def popular(self, *, limit: int) -> list[tuple[str, int]]:
        terms = _body(self._call("GET", "/v1/searches/popular", params={"limit": limit})).get("terms") or []
        try:
            return [(str(entry["term"]), int(entry["count"])) for entry in terms]
        except (KeyError, TypeError, ValueError) as problem:
            raise CatalogUnavailable(f"the catalogue's popular searches are malformed: {problem!r}") from None

    def reserve(self, *, reservation_id: str, product_id: str, quantity: int) -> None:
        body = {"productId": product_id, "quantity": quantity}
        refusals: Refusals = {404: lambda: ProductNotFound(product_id), 409: lambda: OutOfStock(product_id),
                              410: ReservationReleased, 422: ReservationConflict}
        _body(self._internal("PUT", _reservation_path(reservation_id), json=body), refusals)

    def release(self, *, reservation_id: str) -> None:
        _body(self._internal("DELETE", _reservation_path(reservation_id)), {409: ReservationCommitted})

    def commit(self, *, reservation_id: str) -> None:
        refusals: Refusals = {404: lambda: ReservationNotFound(reservation_id), 410: ReservationReleased}
        _body(self._internal("POST", f"{_reservation_path(reservation_id)}/commit"), refusals)

    def _internal(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self._call(method, path, headers={INTERNAL_HEADER: self.proof()}, **kwargs)

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        caller = self.identity()
        if caller:
            kwargs["headers"] = {**(kwargs.get("headers") or {}), IDENTITY_HEADER: caller}
        try:
            return self.session.request(method, path, **kwargs)
        except requests.RequestException as error:
            raise CatalogUnavailable(f"{method} {path}: {error}") from error


def _reservation_path(reservation_id: str) -> str:
    return f"{RESERVATIONS}/{quote(reservation_id, safe='')}"


def _body(response: requests.Response, refusals: Refusals | None = None) -> dict[str, Any]:
    """The JSON object of a 2xx (empty for 204); otherwise the domain error the status stands for."""
    if response.ok:
        parsed = _parsed(response) if response.content else {}
        if parsed is None:
            raise CatalogUnavailable(f"{response.status_code} without a JSON object from the catalogue")
        return parsed
    raise _refusal(response, refusals or {})


def _refusal(response: requests.Response, refusals: Refusals) -> Exception:
    if response.status_code in refusals:
        return refusals[response.status_code]()
    message = str((_parsed(response) or {}).get("message") or response.reason)
    return CatalogUnavailable(f"{response.status_code} from the catalogue: {message}")


def _parsed(response: requests.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
