"""Bad JSON of any shape, to every JSON endpoint of the monolith: a 400 in the Error shape, nothing written."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from rest_framework.authtoken.models import Token

from chassis.identity import sign_internal
from monolith.catalog.models import Reservation
from monolith.orders.models import Order
from tests.monolith.assistant.chat import post_nlu, text_message

DEEP = 10_000
ENDPOINTS = [("post", "/v1/nlu"), ("post", "/v1/checkout"), ("post", "/v1/auth/signup"), ("post", "/v1/auth/token"),
             ("put", "/internal/catalog/reservations/res-deep")]


def deeply_nested(kind: str, depth: int = DEEP) -> str:
    """`depth` levels of arrays or objects; 2.4 KB of `[` was enough to crash the parser."""
    return "[" * depth if kind == "arrays" else '{"a":' * depth


BODIES = {
    "arrays, unclosed": deeply_nested("arrays"),
    "objects, unclosed": deeply_nested("objects"),
    "2.4 KB of [": "[" * 2400,
    "arrays, closed": "[" * 5000 + "]" * 5000,
    "just past the parser's reach": '{"messages": ' + "[" * 990 + "]" * 990 + "}",
    "deep inside a valid body": '{"messages": [{"role": "user", "content": ' + "[" * 40 + "]" * 40 + "}]}",
    "not JSON": "{'messages': nope",
}


def rows() -> tuple[int, ...]:
    return (User.objects.count(), Order.objects.count(), Reservation.objects.count(), Token.objects.count(),
            Session.objects.count())


@pytest.fixture
def caller(shopper_client, settings):
    """A signed-in shopper whose requests also carry the internal proof the internal endpoints ask for."""
    settings.IDENTITY_SIGNING_KEYS = ["json-bodies-test-key-" + "k" * 30]
    shopper_client.defaults["HTTP_X_STRANGLER_INTERNAL"] = sign_internal(keys=settings.IDENTITY_SIGNING_KEYS)
    return shopper_client


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_bad_json_is_a_400_in_the_error_shape_and_writes_nothing(caller, demo_catalog, method, path, body):
    before = rows()
    response = getattr(caller, method)(path, data=body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    error = response.json()
    assert error["code"] == 400 and error["message"].startswith("JSON parse error") and "request_id" in error
    assert rows() == before


def test_a_body_nested_as_deep_as_the_contract_needs_still_reaches_the_view(caller, demo_catalog):
    response = post_nlu(caller, {"messages": [text_message("hello")]})
    assert response.status_code == 200, response.content
