"""schemathesis against each deployable's own OpenAPI description (GET /v1/schema), served by gunicorn:
every operation is called with generated input, valid and not, and every answer must be one the
description documents, in the shape it documents, and never a 5xx.

It runs on the contract suite's two deployables (the `catalog` fixture: the monolith, whose description
covers its whole API, and the catalogue service); the checkout's description is checked in
tests/extracted/checkout/test_openapi.py. Examples are bounded and derandomised, so the suite is quick and
a failure is one a developer reproduces; the internal API gets a fresh internal proof on every call, as
the kit's services send it. The two describe the internal reservations API identically: a caller written
against one description calls either."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from devstack.catalog import Deployable

# A request of a valid shape may still be refused, as the descriptions document: by a rule no schema
# states (a taken username, a weak password, an unknown product: 400), for a payment declined (402) or
# for the state it meets (a released reservation: 410; an id holding something else: 422), besides
# schemathesis's own 401/403/404/409. Signing up and asking for a token hash a password, slowly on
# purpose: they get generated examples only, not the coverage phase's long list of boundary cases.
CONFIG = schemathesis.Config.from_dict({
    "checks": {"positive_data_acceptance": {
        "expected-statuses": ["2xx", "400", "401", "402", "403", "404", "409", "410", "422"]}},
    "operations": [{"include-path-regex": "^/v1/auth/", "phases": {"coverage": {"enabled": False}}}],
})
RESERVATIONS = "/internal/catalog/reservations"
BOUNDED = settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@pytest.fixture
def described(catalog: Deployable) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{catalog.url}/v1/schema", config=CONFIG)


api = schemathesis.pytest.from_fixture("described")


@api.parametrize()
@BOUNDED
def test_every_operation_answers_as_described(case, catalog):
    case.call_and_validate(headers=catalog.internal_headers())


def test_both_describe_the_internal_reservations_api_alike(monolith: Deployable, catalog_service: Deployable):
    """The monolith describes its whole API; its internal reservations part must be the service's, word for word."""
    described = [requests.get(f"{deployable.url}/v1/schema", params={"format": "json"}, timeout=10).json()
                 for deployable in (monolith, catalog_service)]
    internal = [{path: operations for path, operations in schema["paths"].items() if path.startswith(RESERVATIONS)}
                for schema in described]
    assert {"reservationMake", "reservationRelease", "reservationCommit", "reservationsHeld"} == {
        operation["operationId"] for operations in internal[1].values() for operation in operations.values()}
    assert internal[0] == internal[1]
    shapes = _references(internal[1])
    assert "ReservationOutput" in shapes
    for name in shapes:
        assert described[0]["components"]["schemas"][name] == described[1]["components"]["schemas"][name], name


def _references(part: object) -> set[str]:
    """The names of the component schemas a part of a description refers to."""
    if isinstance(part, dict):
        found = {part["$ref"].rsplit("/", 1)[-1]} if isinstance(part.get("$ref"), str) else set()
        return found.union(*(_references(value) for value in part.values()))
    if isinstance(part, list):
        return set().union(*(_references(item) for item in part))
    return set()
