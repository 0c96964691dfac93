"""The benchmark endpoints: present only when DIAGNOSTIC_ENDPOINTS is on, cheap, and strict about `ms`."""

import time

import pytest


@pytest.fixture
def diagnostics_on(settings):
    settings.DIAGNOSTIC_ENDPOINTS = True


@pytest.mark.django_db
def test_diagnostic_endpoints_are_404_when_switched_off(client, settings):
    settings.DIAGNOSTIC_ENDPOINTS = False
    for url in ("/_diag/fast", "/_diag/wait?ms=1"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == 404


@pytest.mark.django_db
def test_switched_off_endpoint_is_404_for_any_method(client, settings):
    settings.DIAGNOSTIC_ENDPOINTS = False
    assert client.post("/_diag/fast").status_code == 404


def test_fast_answers_small_json_without_the_database(client, db, diagnostics_on, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/_diag/fast")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "endpoint": "fast"}


def test_fast_goes_through_the_middleware_stack(client, diagnostics_on):
    response = client.get("/_diag/fast", HTTP_X_REQUEST_ID="bench-00000001")
    assert response["X-Request-ID"] == "bench-00000001"


def test_wait_sleeps_the_requested_milliseconds(client, diagnostics_on):
    started = time.perf_counter()
    response = client.get("/_diag/wait?ms=30")
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "endpoint": "wait", "waited_ms": 30}
    assert elapsed_ms >= 30


def test_wait_without_ms_does_not_sleep(client, diagnostics_on):
    assert client.get("/_diag/wait").json()["waited_ms"] == 0


@pytest.mark.parametrize("ms", ["-1", "1001", "twenty", "2.5", ""])
def test_wait_rejects_a_bad_ms_with_a_json_400(client, diagnostics_on, ms):
    response = client.get(f"/_diag/wait?ms={ms}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 400
    assert "ms must be an integer from 0 to 1000" in body["message"]


def test_diagnostic_endpoints_accept_only_get(client, diagnostics_on):
    assert client.post("/_diag/fast").status_code == 405
