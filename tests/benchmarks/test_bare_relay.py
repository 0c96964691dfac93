"""The bare relay the proxy benchmark measures as the floor of a Python proxy: it must really relay."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
import requests

from tests.strangler_proxy.upstreams.processes import start_echo
from tests.support.processes import ManagedProcess, process_env
from tests.support.waiting import free_port


@pytest.fixture(scope="module")
def relay() -> Iterator[str]:
    """The bare relay in front of the proxy tests' echo upstream; the URL of the relay."""
    echo = start_echo()
    try:
        port = free_port()
        process = ManagedProcess([sys.executable, "-m", "benchmarks.bare_relay", str(port), echo.url], process_env())
        url = f"http://127.0.0.1:{port}"
        process.wait_for_http(f"{url}/healthz")
        yield url
        process.stop(timeout=10)
    finally:
        echo.stop()


def test_the_bare_relay_answers_with_the_upstreams_status_body_and_headers(relay):
    with requests.Session() as session:  # one kept-alive client connection for both requests
        answers = [session.get(f"{relay}/echo/{n}?q={n}", headers={"X-Tag": f"bare-{n}"}) for n in range(2)]
    for n, answer in enumerate(answers):
        record = answer.json()
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
        assert (record["raw_uri"], record["headers"]["x-tag"]) == (f"/echo/{n}?q={n}", f"bare-{n}")
        assert record["headers"]["x-forwarded-for"] == "127.0.0.1"


def test_the_bare_relay_passes_on_an_error_status(relay):
    """The upstream's host check refuses the name: Django answers 400."""
    assert requests.get(f"{relay}/echo", headers={"Host": "evil.example"}).status_code == 400
