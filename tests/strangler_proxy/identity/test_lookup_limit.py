"""The real proxy in front of the real monolith: made-up credentials cannot buy identity look-ups past
the anonymous limit of the address sending them. Look-ups are counted in the monolith's access log."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from strangler_proxy.identity.monolith import IDENTITY_PATH
from tests.strangler_proxy.upstreams.processes import SIGNING_KEY, Running, running_monolith, start_proxy
from tests.support.waiting import wait_until

BURST = 10
# No token comes back during the test; leases outlive it, so a token handed from a look-up to its
# request is never dropped on the way (limits/buckets.py).
ROUTES = f"""
default_anonymous_plan = "lookups"

[upstreams.monolith]
url_env = "MONOLITH_URL"

[plans]
lookups = {{ rate = 0.001, burst = {BURST} }}

[[routes]]
id = "default"
prefix = "/"
upstream = "monolith"
"""


@pytest.fixture(scope="module")
def monolith(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The monolith under gunicorn, trusting the proxy's signing key, on a database of its own."""
    with running_monolith(tmp_path_factory.mktemp("monolith"), IDENTITY_SIGNING_KEYS=SIGNING_KEY) as running:
        yield running


@pytest.fixture
def proxy(monolith: Running, tmp_path) -> Iterator[Running]:
    running = start_proxy(tmp_path, ROUTES, MONOLITH_URL=monolith.url, LIMITS_LEASE_SECONDS="60")
    yield running
    running.stop()


def made_up_credential(number: int) -> dict[str, str]:
    """A well-formed session cookie or API token that belongs to nobody, different every time."""
    if number % 2:
        return {"Authorization": f"Token {secrets.token_hex(20)}"}
    return {"Cookie": f"sessionid={secrets.token_hex(16)}"}


def identity_lookups(monolith: Running) -> list[dict]:
    """The monolith's access-log lines for look-ups, once every line logged so far has been read."""
    marker = uuid.uuid4().hex
    requests.get(f"{monolith.url}/healthz", params={"marker": marker}, timeout=10)
    # The monolith logged the look-ups before the marker request was sent, so they are read before it.
    wait_until(lambda: any(marker in (line.get("query") or "") for line in monolith.lines()), timeout=10,
               what="the monolith's access log to reach the marker request")
    return [line for line in monolith.lines() if line.get("path") == IDENTITY_PATH]


def test_made_up_credentials_past_the_anonymous_limit_get_429_without_a_look_up(monolith, proxy):
    """Three times the burst, eight at a time, each with a credential nobody has seen."""
    before = len(identity_lookups(monolith))

    def send(number: int) -> requests.Response:
        return requests.get(f"{proxy.url}/healthz", headers=made_up_credential(number), timeout=10)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(send, range(3 * BURST)))
    lookups = identity_lookups(monolith)[before:]
    statuses = [response.status_code for response in responses]
    assert len(lookups) <= BURST
    assert {line["status"] for line in lookups} == {200}  # real answers, not refusals of the proxy's proof
    # Every request looked up went on to the monolith (it paid once); the rest were refused unasked.
    assert statuses.count(200) == BURST and statuses.count(429) == 2 * BURST
    refused = next(response for response in responses if response.status_code == 429)
    assert set(refused.json()) == {"code", "message", "request_id"} and refused.json()["code"] == 429
    assert refused.headers["retry-after"]
