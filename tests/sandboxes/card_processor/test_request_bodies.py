"""Bodies the sandbox must refuse without acting: too large, or JSON nested past what a parser can take."""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import global_settings

from tests.sandboxes.card_processor.sandbox import Sandbox

POST_PATHS = ["/v1/payment_intents", "/v1/payment_intents/pi_missing/capture", "/v1/payment_intents/pi_missing/cancel",
              "/v1/refunds"]
DEEP = 100_000
BODIES = {
    "arrays, unclosed": "[" * DEEP,
    "objects, unclosed": '{"a":' * DEEP,
    "arrays, closed": "[" * 5000 + "]" * 5000,
    # Parses, but anything recursing over it afterwards (the idempotency fingerprint) would not.
    "a known parameter nested just short of the parser's reach": (
        '{"cancellation_reason": ' + "[" * 900 + "]" * 900 + "}"),
    "a known parameter nested past what any request needs": '{"cancellation_reason": ' + "[" * 40 + "]" * 40 + "}",
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
@pytest.mark.parametrize("path", POST_PATHS)
def test_deeply_nested_json_is_a_400_invalid_json_and_nothing_is_recorded(card_processor: Sandbox, path, body):
    before = card_processor.ledger()
    response = requests.post(f"{card_processor.base_url}{path}", data=body,
                             headers={"Content-Type": "application/json", "Idempotency-Key": "deep"}, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"
    assert card_processor.ledger() == before


def test_a_body_over_the_limit_is_a_413_that_closes_the_connection_unread(card_processor: Sandbox):
    """The head declares more than the sandbox's limit (Django's default) and no body byte is sent."""
    address = urlsplit(card_processor.base_url)
    declared = global_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(f"POST /v1/payment_intents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {declared}\r\n\r\n".encode())
        response = http.client.HTTPResponse(sock)
        response.begin()
        error = json.loads(response.read())["error"]
        assert response.status == 413
        assert response.getheader("Connection") == "close"
        assert (error["type"], error["code"]) == ("invalid_request_error", "request_too_large")
        assert sock.recv(1) == b""
