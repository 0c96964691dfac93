"""Shadowed writes under `--writes dry-run`, through a real proxy: a write is copied only to a candidate that
opted in (`dry_run = true`), with a signed shadow marker; and 200 checkouts shadowed from the monolith onto
the checkout service leave nothing behind in the checkout: no row, no Celery message, no e-mail, no call to
its card processor."""

from __future__ import annotations

import datetime
import json
import sqlite3
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import redis
import requests

from chassis.identity import HEADER, sign, verify_internal, verify_shadow
from devstack.card_processor import Sandbox, running_card_processor
from strangler_proxy.shadow.record import counts_key
from tests.extracted.checkout.system import ADA, FAST_SAGA, CheckoutSystem, running_checkout
from tests.strangler_proxy.control.conftest import clear_live_states
from tests.strangler_proxy.control.support import strangler
from tests.strangler_proxy.upstreams.processes import SIGNING_KEY, Running, received, start_echo, start_proxy
from tests.support.waiting import wait_until

CHECKOUTS = 200
PRODUCT = "chocolate-truffles"


@pytest.fixture(autouse=True)
def no_live_states(redis_client: redis.Redis) -> Iterator[None]:
    clear_live_states(redis_client)
    yield
    clear_live_states(redis_client)


def shadow_counts(redis_client: redis.Redis, route_id: str) -> dict[str, int]:
    """The proxy's shadow counters for the route (compared, dropped, skipped, ...)."""
    return {field: int(value) for field, value in redis_client.hgetall(counts_key(route_id)).items()}


# ---------------------------------------------------------------- which candidates get writes

OPT_IN_ROUTES = """
[upstreams.monolith]
url_env = "ECHO_URL"

[upstreams.plain]
url_env = "CANDIDATE_URL"

[upstreams.opted]
url_env = "CANDIDATE_URL"
dry_run = true

[[routes]]
id = "plain"
prefix = "/plain"
upstream = "monolith"

[[routes]]
id = "opted"
prefix = "/opted"
upstream = "monolith"

[[routes]]
id = "default"
prefix = "/"
upstream = "monolith"
"""


@pytest.fixture
def candidate() -> Iterator[Running]:
    running = start_echo()
    yield running
    running.stop()


def test_a_write_is_copied_only_to_a_candidate_that_opted_in_and_carries_a_signed_marker(
        echo, candidate, redis_client, tmp_path):
    """Two routes shadowed with --writes dry-run onto the same service, declared once without and once with
    dry_run = true."""
    env = {"ECHO_URL": echo.url, "CANDIDATE_URL": candidate.url}
    proxy = start_proxy(tmp_path, OPT_IN_ROUTES, **env)
    try:
        env["ROUTES_FILE"] = str(tmp_path / f"routes-{proxy.port}.toml")
        for route, upstream in (("plain", "plain"), ("opted", "opted")):
            done = strangler(env, "shadow", route, "--candidate", upstream, "--writes", "dry-run")
            assert done.returncode == 0, done.stderr
        for route in ("plain", "opted"):
            wait_until(lambda route=route: _get(proxy, f"/{route}/probe", f"{route}-probe")
                       and received(candidate, f"{route}-probe"), timeout=10, interval=0.2,
                       what=f"the proxy to shadow {route} (a read is copied)")
        for route in ("plain", "opted"):
            written = requests.post(f"{proxy.url}/{route}/write", json={"n": 1}, timeout=10,
                                    headers={"X-Test-Id": f"{route}-write"})
            assert written.status_code == 200 and "x-strangler-shadow" not in written.json()["headers"]
        copies = wait_until(lambda: received(candidate, "opted-write"), timeout=10,
                            what="the opted-in candidate to receive the write's copy")
        wait_until(lambda: shadow_counts(redis_client, "plain").get("skipped", 0) >= 1, timeout=10,
                   what="the proxy to count the write it did not copy to the other candidate")
    finally:
        proxy.stop()
    assert received(candidate, "plain-write") == []
    assert [copy["method"] for copy in copies] == ["POST"] and copies[0]["body_length"] == len(b'{"n": 1}')
    marker = copies[0]["headers"]["x-strangler-shadow"]
    assert verify_shadow(marker, keys=[SIGNING_KEY])
    assert not verify_internal(marker, keys=[SIGNING_KEY])  # its own salt: it opens no internal endpoint


def _get(proxy: Running, path: str, tag: str) -> bool:
    return requests.get(f"{proxy.url}{path}", headers={"X-Test-Id": tag}, timeout=10).ok


# ---------------------------------------------------------------- 200 shadowed checkouts

CHECKOUT_ROUTES = """
[upstreams.monolith]
url_env = "MONOLITH_URL"
owns_cookies = ["sessionid", "csrftoken"]

[upstreams.checkout]
url_env = "CHECKOUT_URL"
dry_run = true

# The checkout answers 202 with the order's status where the monolith answers 200 with the confirmed order,
# by design: the judge would rightly roll the shadow back within seconds. Here it waits for more answers
# than the test sends, so the shadow stays on while its copies are counted.
[[routes]]
id = "checkout"
prefix = "/v1/checkout"
upstream = "monolith"
judge = { min_requests = 100000 }

# Shadowed after the checkout route: once a read here is copied, the proxy has both changes.
[[routes]]
id = "probe"
prefix = "/probe"
upstream = "monolith"

[[routes]]
id = "default"
prefix = "/"
upstream = "monolith"
"""


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[CheckoutSystem, Sandbox]]:
    """The checkout service (no worker: a published message stays in its queue, countable) and, as the
    route's primary, the monolith, whose synchronous checkout charges a card processor of its own. All
    hold the proxy's signing key (the proxy refuses the checkout tests' short one)."""
    keys = {"IDENTITY_SIGNING_KEYS": SIGNING_KEY}
    with running_card_processor(tmp_path / "monolith-card-processor") as monolith_cards, \
            running_checkout(tmp_path / "checkout", workers=0, saga_env={**FAST_SAGA, **keys},
                             monolith_env={"CARD_PROCESSOR_URL": monolith_cards.base_url, **keys}) as system:
        system.set_stock(PRODUCT, CHECKOUTS + 50)
        yield system, monolith_cards


def test_shadowed_checkouts_leave_no_row_message_mail_or_charge_in_the_candidate(shop, redis_client, tmp_path):
    system, monolith_cards = shop
    env = {"MONOLITH_URL": system.monolith_url, "CHECKOUT_URL": system.checkout_url}
    proxy = start_proxy(tmp_path, CHECKOUT_ROUTES, **env)
    try:
        env["ROUTES_FILE"] = str(tmp_path / f"routes-{proxy.port}.toml")
        for route in ("checkout", "probe"):
            done = strangler(env, "shadow", route, "--candidate", "checkout", "--writes", "dry-run")
            assert done.returncode == 0, done.stderr
        wait_until(lambda: requests.get(f"{proxy.url}/probe", timeout=10) is not None
                   and shadow_counts(redis_client, "probe").get("compared", 0) >= 1, timeout=15, interval=0.2,
                   what="the proxy to shadow the checkout route (and, after it, the probe route)")
        rows_before = table_rows(system.env["DATABASE_URL"])
        token = _sign_up(proxy)
        answers = _check_out(proxy, token, CHECKOUTS)
        counts = _delivered(redis_client, CHECKOUTS, proxy)
    finally:
        proxy.stop()
    # The clients had the monolith's answers: each a confirmed order, charged on the monolith's card processor.
    assert [answer.status_code for answer in answers] == [200] * CHECKOUTS
    assert all(answer.json()["success"] is True and "statusUrl" not in answer.json() for answer in answers)
    assert len(monolith_cards.ledger()) >= CHECKOUTS
    assert len(_mails(system.processes["monolith"].json_lines())) == CHECKOUTS
    assert counts["compared"] == CHECKOUTS and counts.get("dropped", 0) == counts.get("skipped", 0) == 0

    # The checkout ran every copy as a dry run and accepted it (202), suppressing the saga's first step.
    dry_runs = [line for line in system.processes["checkout"].json_lines() if line.get("message") == "dry run rolled back"
                and line.get("method") == "POST"]
    assert len(dry_runs) == CHECKOUTS
    assert all(line["status"] == 202 and line["suppressed"] == {"on_commit": 1} for line in dry_runs)
    # ... and kept nothing of it.
    assert table_rows(system.env["DATABASE_URL"]) == rows_before
    assert _queued(redis_client, system) == (0, 0)
    assert _mails(system.log_lines()) == []
    assert system.card_processor.ledger() == []

    # The same checkout, not shadowed, keeps its order and queues its step: what was measured above can move.
    accepted = requests.post(f"{system.checkout_url}/v1/checkout", timeout=10, headers={
        HEADER: sign(ADA, keys=[SIGNING_KEY])}, json={"productId": PRODUCT, "deliveryAddress": "1 Cocoa Lane",
                                                     "deliveryDate": _in_three_days()})
    assert accepted.status_code == 202
    assert table_rows(system.env["DATABASE_URL"])["checkout_order"] == rows_before["checkout_order"] + 1
    assert _queued(redis_client, system) == (1, 0)


def _delivered(redis_client: redis.Redis, expected: int, proxy: Running) -> dict[str, int]:
    """The route's shadow counters once `expected` copies have been compared (or every copy is accounted for
    as dropped or failed, which fails the test with the counters and the proxy's last words)."""
    seen: list[dict[str, int]] = [{}]

    def done() -> dict[str, int] | None:
        seen[0] = shadow_counts(redis_client, "checkout")
        settled = seen[0].get("compared", 0) + seen[0].get("dropped", 0) + seen[0].get("skipped", 0)
        return seen[0] if settled >= expected else None
    try:
        return wait_until(done, timeout=60, interval=0.2, what=f"the proxy to deliver and compare {expected} copies")
    except TimeoutError as timeout:
        said = [line for line in proxy.process.output() if "strangler_proxy.access" not in line]
        raise AssertionError(f"{timeout}: counters {seen[0]}; the proxy's last words: {said[-5:]}") from None


def _sign_up(proxy: Running) -> str:
    name = f"shadow-{uuid.uuid4().hex[:8]}"
    response = requests.post(f"{proxy.url}/v1/auth/signup", timeout=10,
                             json={"username": name, "email": f"{name}@example.com", "password": "a-long-passphrase"})
    assert response.status_code == 201, response.text
    return response.json()["token"]


def _check_out(proxy: Running, token: str, count: int) -> list[requests.Response]:
    """`count` checkouts through the proxy, eight at a time, each with its own Idempotency-Key."""
    body = json.dumps({"productId": PRODUCT, "deliveryAddress": "1 Cocoa Lane", "deliveryDate": _in_three_days()})

    def one(number: int) -> requests.Response:
        return requests.post(f"{proxy.url}/v1/checkout", data=body, timeout=30, headers={
            "Authorization": f"Token {token}", "Content-Type": "application/json",
            "Idempotency-Key": f"shadow-{number}-{uuid.uuid4().hex}"})
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(count)))


def _mails(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line.get("message") == "email sent"]


def _in_three_days() -> str:
    return (datetime.date.today() + datetime.timedelta(days=3)).isoformat()


def _queued(redis_client: redis.Redis, system: CheckoutSystem) -> tuple[int, int]:
    """Messages waiting in the checkout's saga queue and in its order-events queue (nothing consumes them)."""
    return redis_client.llen(system.queue), redis_client.llen(system.events_queue)


def table_rows(database_url: str) -> dict[str, int]:
    """The number of rows in every table of the database (PostgreSQL or SQLite)."""
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            names = [row[0] for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
            return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
    with psycopg.connect(database_url) as connection:
        names = [row[0] for row in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")]
        return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
