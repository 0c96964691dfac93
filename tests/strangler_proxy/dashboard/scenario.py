"""A migration in progress, made for real through the proxy: `catalog` shadowed to the stand-in service,
`orders` in a 25 % canary after a first try was rolled back, traffic on both, and the judge's verdicts."""

from __future__ import annotations

import json

import redis
import requests

from chassis.identity import sign_internal
from strangler_proxy.control import state
from strangler_proxy.control.store import ControlStore
from strangler_proxy.judge.tally import arm_counts, judge_key, verdict_key
from strangler_proxy.shadow.record import counts_key
from tests.strangler_proxy.dashboard.conftest import ADMIN_TOKEN, settled
from tests.strangler_proxy.upstreams.processes import SIGNING_KEY, Running
from tests.support.waiting import wait_until

PRIMARY_REQUESTS, CANDIDATE_REQUESTS, SHADOWED_REQUESTS = 60, 20, 30


def migrate(proxy: Running, store: ControlStore, client: redis.Redis) -> None:
    store.change("catalog", "shadow", lambda current: state.shadow(current, candidate="catalog"),
                 reason="compare answers before moving", by="ada")
    store.change("orders", "canary", lambda current: state.canary(current, candidate="orders", percent=5),
                 reason="first try", by="ada")
    _dashboard_change(proxy, action="rollback", route="orders", reason="p99 up after the deploy")
    _dashboard_change(proxy, action="canary", route="orders", candidate="orders", percent="25",
                      reason="fixed the slow query")
    settled(proxy, client)
    for arm, requests_sent in (("primary", PRIMARY_REQUESTS), ("candidate", CANDIDATE_REQUESTS)):
        for number in range(requests_sent):
            _get(proxy, f"/v1/orders/{number}", **_pinned(arm))
    for number in range(SHADOWED_REQUESTS):
        _get(proxy, f"/v1/products/{number}")
    wait_until(lambda: _counted(client), timeout=20, what="the canary's and the shadow's traffic to be counted")
    wait_until(lambda: _judged(client, store), timeout=20, what="the judge to judge both routes")


def _dashboard_change(proxy: Running, **form: str) -> None:
    response = requests.post(f"{proxy.url}/_strangler/change", data=form, timeout=10,
                             headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Accept": "application/json"})
    assert response.status_code == 200, response.text


def _pinned(arm: str) -> dict[str, str]:
    """Headers a tester uses to put a request on one side of a canary (control/arms.py)."""
    return {"X-Strangler-Arm": arm, "X-Strangler-Internal": sign_internal(keys=[SIGNING_KEY])}


def _get(proxy: Running, path: str, **headers: str) -> requests.Response:
    response = requests.get(proxy.url + path, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response


def _counted(client: redis.Redis) -> bool:
    counted = split(client)
    compared = int(client.hget(counts_key("catalog"), "compared") or 0)
    return (counted["primary"] >= PRIMARY_REQUESTS and counted["candidate"] >= CANDIDATE_REQUESTS
            and compared >= SHADOWED_REQUESTS)


def split(client: redis.Redis) -> dict[str, int]:
    """The canary's requests per arm as the fleet counted them."""
    tally = client.hgetall(judge_key("orders"))
    return {arm: arm_counts(tally, arm)[0] for arm in ("primary", "candidate")}


def _judged(client: redis.Redis, store: ControlStore) -> bool:
    """Both routes have a verdict on their present state that saw all the traffic."""
    routes = {route.id: route for route in store.table_in_force().routes}
    compared = int(client.hget(counts_key("catalog"), "compared") or 0)
    for route_id, complete in (("orders", lambda figures: figures["requests"] == split(client)),
                               ("catalog", lambda figures: figures["compared"] == compared)):
        raw = client.get(verdict_key(route_id))
        verdict = json.loads(raw) if raw else None
        if verdict is None or verdict["at"] < routes[route_id].since or not complete(verdict["figures"]):
            return False
    return True
