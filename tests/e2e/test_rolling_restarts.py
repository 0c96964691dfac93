"""Rolling restarts of every web process type under steady mixed traffic: no client sees an error.

How a replacement happens here is how a platform does it: a new container is started, it passes its
readiness check, and only then is the old one sent SIGTERM; the old one stops accepting, finishes what it
has and exits. Heroku's preboot and ECS's rolling update (minimumHealthyPercent 100) both work this way;
neither re-executes a server in place, so gunicorn's USR2 upgrade is not what is tested. On one host the
new and the old process share the port through SO_REUSEPORT (GUNICORN_REUSE_PORT=true), the kernel
spreading new connections over both as the platform's load balancer would.

Sized by FAULT_SCALE (tests/extracted/checkout/faults/scale.py): unset or "ci", 3 replacements of each web
process at 20 requests/s (a CI run's time); "full", 20 each at 50 requests/s.
"""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.e2e.replicas import Replicas, Stopped, web_processes
from tests.e2e.system import released_system
from tests.e2e.traffic import Outcome, Shopper, assert_every_checkout_done, call, paced, sign_up
from tests.extracted.checkout.faults.scale import fault_scale
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.fault]

DRAIN_LIMIT = 25.0


@dataclass(frozen=True)
class Rolling:
    replacements: int          # of each web process type, one after another
    requests_per_second: float


SIZES = {"ci": Rolling(replacements=3, requests_per_second=20), "full": Rolling(replacements=20, requests_per_second=50)}
EXPECTED = {"checkout": 202, "products": 200, "product": 200, "chat": 200, "orders": 200}


def mixed(shopper: Shopper) -> object:
    """A shopper's traffic: a tenth checkouts, the rest browsing, chatting and reading orders."""
    base = shopper.base_url
    message = {"messages": [{"type": "unstructured", "unstructured": {"text": "a box of chocolates"}}]}

    def send(session: requests.Session, n: int) -> Outcome:
        kind = n % 10
        if kind < 1:
            return shopper.check_out(session)
        if kind < 5:
            return call(session, "products", "GET", f"{base}/v1/products", params={"q": "chocolate"})
        if kind < 7:
            return call(session, "chat", "POST", f"{base}/v1/nlu", json=message,
                        headers={"X-Conversation-ID": f"rolling-{n % 7}-{uuid.uuid4().hex[:8]}"})
        if kind < 9:
            return call(session, "orders", "GET", f"{base}/v1/orders")
        return call(session, "product", "GET", f"{base}/v1/products/{shopper.product_id}")

    return send


def test_rolling_restarts_of_every_web_process_lose_no_request(tmp_path: Path, measured: dict):
    size = SIZES[fault_scale().name]
    settings = {"GUNICORN_REUSE_PORT": "true", "CARD_SANDBOX_LATENCY_MS": "20", "WEB_CONCURRENCY": "1"}
    with released_system(tmp_path, **settings) as released, Replicas(released, tmp_path / "logs") as replicas:
        replicas.start_all()
        shopper = sign_up(released)
        stops: dict[str, list[Stopped]] = {}
        with paced(size.requests_per_second, mixed(shopper), threads=16,  # type: ignore[arg-type]  # mixed's send
                   session=shopper.session) as load:
            wait_until(lambda: len(load.snapshot()) >= size.requests_per_second, timeout=30, what="the load to run")
            for process_type in web_processes():
                for _ in range(size.replacements):
                    _, stopped = replicas.replace(replicas.current(process_type))
                    stops.setdefault(process_type, []).append(stopped)
        outcomes = load.snapshot()

        seconds = max(o.ended for o in outcomes) - min(o.started for o in outcomes)
        measured["rolling: requests, per second, replacements"] = (
            f"{len(outcomes)}, {len(outcomes) / seconds:.1f}/s, {size.replacements} of each web process")
        for process_type, ended in stops.items():
            measured[f"rolling: exit after SIGTERM: {process_type}"] = (
                f"median {statistics.median(s.seconds for s in ended):.2f} s, slowest {max(s.seconds for s in ended):.2f} s")
        unexpected = [(o.name, o.status, o.error, o.answered_at) for o in outcomes if o.status != EXPECTED[o.name]]
        assert not unexpected, f"{len(unexpected)} of {len(outcomes)} requests: {unexpected[:10]}"
        assert set(stops) == set(web_processes())
        assert not [s for ended in stops.values() for s in ended if s.killed or s.seconds >= DRAIN_LIMIT]
        assert_every_checkout_done(released, shopper)
