"""schemathesis against the checkout's own OpenAPI description (GET /v1/schema): generated requests, valid
and not, from a signed-in caller; every answer must be documented, in the documented shape, never a 5xx.
A valid-looking order may still be refused as documented (an unknown product: 400; a taken key: 422)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

CONFIG = schemathesis.Config.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422"]}}})


@pytest.fixture
def described(checkout) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{checkout.checkout_url}/v1/schema", config=CONFIG)


api = schemathesis.pytest.from_fixture("described")


@api.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_described(case, checkout):
    case.call_and_validate(headers=checkout.headers())
