"""The catalogue service refuses a stock write while the monolith still owns the products (or writes are
switching) with the same clean answer as the monolith: 503, Retry-After and the contract's Error, not the
capture trigger's database error; once it owns them, the same write goes through."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from datasync.guard import RETRY_AFTER_SECONDS
from datasync.sql import Database, connect
from datasync.store import State, state_write
from devstack.catalog import Deployable, running_catalog
from devstack.datasync import CATALOG

PRODUCT = "prosecco"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployable]:
    with running_catalog(tmp_path_factory.mktemp("catalog-not-owner")) as running:
        yield running


@pytest.fixture(scope="module")
def database(service: Deployable) -> Iterator[Database]:
    """The service's database with the sync's tables and capture trigger, as `strangler data sync-on` leaves it."""
    found = connect(CATALOG.target, {CATALOG.target.database_env: service.env["DATABASE_URL"]})
    found.install_tables()
    found.install_capture(CATALOG)
    yield found
    found.close()


def _owned_by(database: Database, owner: str | None, phase: str) -> None:
    with database.transaction():
        state_write(database, State("catalog", phase=phase, owner=owner, reads="catalog"))


def _stock(database: Database) -> int:
    return int(database.one("SELECT stock FROM catalog_product WHERE id = %s", [PRODUCT])[0])


def _reserve(service: Deployable, reservation_id: str) -> requests.Response:
    return requests.put(f"{service.url}/internal/catalog/reservations/{reservation_id}",
                        json={"productId": PRODUCT, "quantity": 1}, headers=service.internal_headers(), timeout=10)


def _release(service: Deployable, reservation_id: str) -> requests.Response:
    return requests.delete(f"{service.url}/internal/catalog/reservations/{reservation_id}",
                           headers=service.internal_headers(), timeout=10)


@pytest.mark.parametrize(("owner", "phase", "said"), [("monolith", "backfilled", "the monolith side owns them"),
                                                     (None, "reads", "its writes are switching sides")])
def test_a_reservation_while_the_monolith_owns_the_products_is_a_503_to_retry(
        service: Deployable, database: Database, owner: str | None, phase: str, said: str) -> None:
    _owned_by(database, owner, phase)
    before = _stock(database)
    for answered in (_reserve(service, str(uuid.uuid4())), _release(service, str(uuid.uuid4()))):
        assert answered.status_code == 503, answered.text
        assert answered.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        body = answered.json()
        assert body["code"] == 503 and said in body["message"], body
    assert _stock(database) == before


def test_once_the_service_owns_the_products_the_same_write_goes_through(service: Deployable,
                                                                        database: Database) -> None:
    _owned_by(database, "catalog", "writes")
    before, reservation_id = _stock(database), str(uuid.uuid4())
    made = _reserve(service, reservation_id)
    assert made.status_code == 201, made.text
    assert _stock(database) == before - 1
    assert _release(service, reservation_id).status_code == 204
    assert _stock(database) == before
