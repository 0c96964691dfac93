"""The parity replay: one corpus of requests sent to the kit's proxy and to nginx running the export of the
same table in force (file plus live states), each request reaching the same upstream or getting the same
refusal from both."""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from strangler_proxy.configuration.loader import load_route_table
from strangler_proxy.control import state
from strangler_proxy.control.store import STATE_KEY, VERSION_KEY, ControlStore
from strangler_proxy.export.source import table_in_force
from tests.strangler_proxy.export.nginx_process import start_nginx
from tests.strangler_proxy.export.tables import PARITY, upstream_env
from tests.strangler_proxy.upstreams.processes import Running, received, start_proxy
from tests.support.waiting import wait_until

MOVED_LIVE = ("export-menu", "export-legacy")

# (method, request target as sent, headers, what should happen): an upstream's name, or the status
# (with the Allow header for a 405).
CORPUS: list[tuple[str, str, dict[str, str], str | int]] = [
    ("GET", "/v1/orders", {}, "checkout"),
    ("GET", "/v1/orders/", {}, "checkout"),
    ("GET", "/v1/orders/42?expand=items", {}, "checkout"),
    ("HEAD", "/v1/orders/42", {}, "checkout"),
    ("GET", "/v1/ordersx", {}, "monolith"),
    ("POST", "/v1/orders", {}, "405 GET, HEAD"),
    ("PUT", "/v1/orders/42", {}, "405 GET, HEAD"),
    ("OPTIONS", "/v1/orders", {}, "405 GET, HEAD"),
    ("DELETE", "/v1/orders/42", {}, "beta"),          # /v1/ DELETE comes before the orders route
    ("POST", "/v1/checkout", {}, "checkout"),
    ("POST", "/v1/checkout/", {}, "checkout"),
    ("GET", "/v1/checkout", {}, "405 POST"),
    ("POST", "/v1/checkoutx", {}, "monolith"),
    ("POST", "/v1/nlu", {}, "beta"),
    ("GET", "/v1/nlu/", {}, "monolith"),
    ("GET", "/v1/products", {}, "checkout"),
    ("GET", "/v1/products/7", {"X-Beta": "on"}, "beta"),
    ("GET", "/v1/products", {"X-Beta": "ON"}, "checkout"),   # header values compare exactly
    ("POST", "/v1/products", {"X-Beta": "on"}, "monolith"),
    ("POST", "/v1/auth/login", {}, "checkout"),
    ("POST", "/v1/auth/", {}, "checkout"),
    ("POST", "/v1/auth", {}, "monolith"),                     # "/v1/auth/" matches only below itself
    ("GET", "/accounts/login/", {}, "checkout"),
    ("GET", "/accounts", {}, "monolith"),
    ("GET", "/ops/report", {"X-Team": "ops"}, "beta"),
    ("DELETE", "/ops/report", {"X-Team": "ops"}, "405 GET, HEAD, POST"),
    ("DELETE", "/ops/report", {}, "monolith"),
    ("GET", "/ops", {"X-Team": "dev"}, "monolith"),
    ("DELETE", "/v1", {}, "monolith"),
    ("DELETE", "/v1/", {}, "beta"),
    ("GET", "/v1/", {}, "monolith"),
    ("GET", "/menu/today", {}, "beta"),                       # live: a canary at 100 % to beta
    ("GET", "/legacy/page", {}, "checkout"),                  # live: promoted to checkout
    ("GET", "/legacyx", {}, "monolith"),
    ("GET", "/", {}, "monolith"),
    ("GET", "//v1//orders", {}, "checkout"),
    ("GET", "/v1/./orders/../orders/1", {}, "checkout"),
    ("GET", "/v1/%6Frders", {}, "checkout"),
    ("GET", "/v1/orders%2F1", {}, 400),
    ("GET", "/v1/orders;x=1", {}, 400),
    ("GET", "/internal/identity", {}, 404),
    ("GET", "/Internal/x", {}, 404),
    ("GET", "/internalx", {}, "monolith"),
    ("GET", "/_strangler/nothing", {}, 404),
]


@dataclass
class Answer:
    status: int
    allow: str
    body: bytes


def send(server: Running, method: str, target: str, headers: dict[str, str], tag: str) -> Answer:
    """One request on a fresh connection, its target sent exactly as written."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, target, headers={"X-Test-Id": tag, "Connection": "close", **headers})
        response = connection.getresponse()
        return Answer(response.status, response.getheader("Allow", ""), response.read())
    finally:
        connection.close()


def outcome(answer: Answer, reached: list[str]) -> str | int:
    if reached:
        return " + ".join(reached)
    return f"405 {answer.allow}" if answer.status == 405 else answer.status


@pytest.fixture(scope="module")
def routes_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export-parity") / "routes.toml"
    path.write_text(PARITY)
    return path


@pytest.fixture(scope="module")
def environ(upstreams: dict[str, Running]) -> dict[str, str]:
    return {**os.environ, **upstream_env(upstreams)}


@pytest.fixture(scope="module")
def live_states(redis_server: str, routes_file: Path, environ: dict[str, str]) -> Iterator[None]:
    """export-menu is a canary at 100 % to beta and export-legacy is promoted to checkout, live in Redis."""
    client = redis.Redis.from_url(redis_server, decode_responses=True)
    store = ControlStore(client, load_route_table(routes_file, environ))
    store.change("export-menu", "canary", lambda now: state.canary(now, candidate="beta", percent=100),
                 reason="export parity", by="tests")
    store.change("export-legacy", "promote", state.promote, reason="export parity", by="tests")
    yield
    client.hdel(STATE_KEY, *MOVED_LIVE)
    client.incr(VERSION_KEY)
    client.close()


@pytest.fixture(scope="module")
def kit(live_states: None, upstreams: dict[str, Running], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start_proxy(tmp_path_factory.mktemp("export-kit"), PARITY, **upstream_env(upstreams))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def exported(live_states: None, routes_file: Path, environ: dict[str, str], nginx: str,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    in_force = table_in_force(routes_file, environ)
    running = start_nginx(nginx, in_force.table, tmp_path_factory.mktemp("export-nginx"))
    yield running
    running.stop()


def replay(server: Running, side: str, upstreams: dict[str, Running]) -> list[str | int]:
    answers = [send(server, method, target, headers, f"{side}-{number}")
               for number, (method, target, headers, _) in enumerate(CORPUS)]

    def reached(number: int) -> list[str]:
        return [name for name, upstream in upstreams.items() if received(upstream, f"{side}-{number}")]

    # Every 200 came from an upstream (none of the corpus asks the proxy's own pages): wait for its log line.
    answered = [number for number, answer in enumerate(answers) if answer.status == 200]
    wait_until(lambda: all(reached(number) for number in answered), timeout=15,
               what=f"the upstreams to log every request {side} answered 200")
    return [outcome(answer, reached(number)) for number, answer in enumerate(answers)]


def test_every_request_reaches_the_same_upstream_through_nginx_as_through_the_kits_proxy(
        kit: Running, exported: Running, upstreams: dict[str, Running]):
    through_kit = replay(kit, "kit", upstreams)
    through_nginx = replay(exported, "nginx", upstreams)

    rows = [(f"{method} {target} {headers or ''}", expected, by_kit, by_nginx)
            for (method, target, headers, expected), by_kit, by_nginx
            in zip(CORPUS, through_kit, through_nginx, strict=True)]
    wrong = [row for row in rows if not row[1] == row[2] == row[3]]
    assert not wrong, "request: expected, kit's proxy, nginx\n" + "\n".join(map(str, wrong))


def test_a_405_says_the_same_through_both(kit: Running, exported: Running):
    by_kit = send(kit, "POST", "/v1/orders/1", {}, "kit-405")
    by_nginx = send(exported, "POST", "/v1/orders/1", {}, "nginx-405")

    assert (by_nginx.status, by_nginx.allow) == (by_kit.status, by_kit.allow) == (405, "GET, HEAD")
    kit_error, nginx_error = json.loads(by_kit.body), json.loads(by_nginx.body)
    assert nginx_error.keys() == kit_error.keys() == {"code", "message", "request_id"}
    assert nginx_error["message"] == kit_error["message"] == "POST is not served here; this path takes GET, HEAD."


def test_the_upstream_learns_the_same_about_the_client_through_both(
        kit: Running, exported: Running, upstreams: dict[str, Running]):
    """A client claiming an identity, a hop, a scheme and a request id: both keep only the request id."""
    claims = {"Host": "shop.test", "X-Request-ID": "export-client-id-0001", "X-Strangler-Identity": "forged",
              "X-User": "mallory", "Remote-User": "mallory", "X-Forwarded-For": "203.0.113.9",
              "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example", "Forwarded": "for=203.0.113.9",
              "X-Real-IP": "203.0.113.9", "X-Forwarded-Ssl": "on", "X-Keep": "kept"}
    send(kit, "GET", "/claims", claims, "kit-claims")
    send(exported, "GET", "/claims", {**claims, "X-Api-Key": "not-for-upstreams"}, "nginx-claims")

    def seen(tag: str) -> dict[str, str]:
        headers = wait_until(lambda: received(upstreams["monolith"], tag), timeout=10, what=tag)[0]["headers"]
        return {name: value for name, value in headers.items() if name not in ("x-test-id", "connection", "accept-encoding")}

    by_kit, by_nginx = seen("kit-claims"), seen("nginx-claims")
    assert by_nginx == by_kit == {"host": "shop.test", "x-request-id": "export-client-id-0001",
                                  "x-forwarded-for": "127.0.0.1", "x-forwarded-proto": "http",
                                  "x-forwarded-host": "shop.test", "x-keep": "kept"}
