import re

import pytest

from chassis import request_id


@pytest.mark.django_db
def test_a_well_formed_incoming_id_is_kept_and_echoed(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="edge-0123456789")
    assert response["X-Request-ID"] == "edge-0123456789"


@pytest.mark.django_db
@pytest.mark.parametrize("incoming", ["short", "has spaces in it", "x" * 200, "inject\r\nheader: 1"])
def test_a_malformed_incoming_id_is_replaced(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.django_db
def test_a_request_without_id_gets_a_fresh_one_each_time(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert first != second


def test_the_id_is_current_only_inside_its_block():
    with request_id.bound("outer-12345678"):
        with request_id.bound("inner-12345678"):
            assert request_id.current() == "inner-12345678"
        assert request_id.current() == "outer-12345678"
    assert request_id.current() is None
