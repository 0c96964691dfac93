"""The limits stage with real exchanges and the real Redis: who is limited, by which plan, and the 429."""

from __future__ import annotations

import asyncio
import dataclasses
import math
from collections.abc import Awaitable

import pytest

from chassis.identity import ANONYMOUS, Identity
from strangler_proxy.exchange import Exchange, Rejection
from strangler_proxy.limits import stage as limits
from strangler_proxy.limits.apikeys import api_key_digest
from strangler_proxy.limits.config import LimitsConfig, load_limits_config
from strangler_proxy.limits.stage import LimitsStage, client_id
from strangler_proxy.table import Route
from tests.strangler_proxy.limits.support import PLANS, PUBLIC, STRICT, limits_stage, new_exchange, route_table

ADA = Identity(user_id="7", username="ada")


async def outcomes(stage: LimitsStage, exchanges: list[Exchange]) -> list[int | str]:
    """200 for each exchange let through, else the Rejection's status and Retry-After."""
    results: list[int | str] = []
    for exchange in exchanges:
        try:
            await stage(exchange)
            results.append(200)
        except Rejection as refused:
            results.append(f"{refused.status} retry-after={dict(refused.headers)[b'retry-after'].decode()}"
                           if refused.status == 429 else refused.status)
    return results


def run(exchanges: list[Exchange], **options) -> list[int | str]:
    async def scenario() -> list[int | str]:
        async with limits_stage(**options) as stage:
            return await outcomes(stage, exchanges)

    return asyncio.run(scenario())


@pytest.mark.parametrize("lease_max", [1, 10])
def test_a_burst_is_let_through_and_the_next_request_gets_429_with_retry_after(lease_max):
    """The route's plan: 3 at once, then one every 2 s."""
    results = run([new_exchange(route=STRICT) for _ in range(4)], lease_max=lease_max)
    assert results == [200, 200, 200, "429 retry-after=2"]


def test_the_default_plan_applies_where_a_route_names_none():
    results = run([new_exchange() for _ in range(PLANS["anonymous"].burst + 1)])
    assert results.count(200) == PLANS["anonymous"].burst
    assert results[-1] == f"429 retry-after={math.ceil(1 / PLANS['anonymous'].rate)}"


def test_two_clients_have_independent_buckets():
    first = [new_exchange(route=STRICT, client="198.51.100.1") for _ in range(4)]
    second = [new_exchange(route=STRICT, client="198.51.100.2") for _ in range(3)]
    assert run(first + second) == [200, 200, 200, "429 retry-after=2", 200, 200, 200]


def test_each_plan_has_its_own_bucket_per_client():
    """The strict route's bucket is empty; the same client on another route spends from another."""
    results = run([new_exchange(route=STRICT) for _ in range(4)] + [new_exchange(route=PUBLIC)])
    assert results[-2:] == ["429 retry-after=2", 200]


def test_the_bucket_is_named_by_plan_and_client_address(redis_client):
    run([new_exchange(route=STRICT, client="198.51.100.9")])
    assert redis_client.exists("strangler:bucket:client:strict:198.51.100.9")


def test_without_any_anonymous_plan_anonymous_traffic_is_not_limited(redis_client):
    results = run([new_exchange() for _ in range(50)], table=route_table(default_anonymous_plan=None))
    assert results == [200] * 50
    assert not list(redis_client.scan_iter(match="strangler:bucket:*"))


def test_a_signed_in_caller_without_an_api_key_is_not_limited():
    assert run([new_exchange(route=STRICT, identity=ADA) for _ in range(10)]) == [200] * 10


# ---------------------------------------------------------------- API keys
def key_exchange(key: str, plan: str) -> Exchange:
    return new_exchange(api_key=key, identity=Identity(api_plan=plan))


def test_an_api_key_spends_from_its_plans_bucket(redis_client):
    results = run([key_exchange("sk_basic", "basic") for _ in range(PLANS["basic"].burst + 1)])
    assert results == [200] * PLANS["basic"].burst + ["429 retry-after=1"]
    assert redis_client.exists(f"strangler:bucket:key:{api_key_digest('sk_basic')}")


def test_a_premium_key_lets_more_through_than_a_basic_one():
    basic = run([key_exchange("sk_basic", "basic") for _ in range(100)])
    premium = run([key_exchange("sk_premium", "premium") for _ in range(100)])
    assert basic.count(200) == PLANS["basic"].burst
    assert premium.count(200) == 100


def test_an_api_key_is_limited_by_its_plan_not_by_its_address():
    """Two addresses, one key: one bucket. One address, two keys: two buckets."""
    one_key = [new_exchange(api_key="sk_a", identity=Identity(api_plan="basic"), client=f"198.51.100.{n}")
               for n in range(11)]
    assert run(one_key).count(200) == PLANS["basic"].burst
    assert run([key_exchange("sk_b", "basic"), key_exchange("sk_c", "basic")]) == [200, 200]


def test_a_key_whose_plan_the_table_does_not_offer_is_answered_403():
    assert run([key_exchange("sk_gold", "gold")]) == [403]


# ---------------------------------------------------------------- look-ups of uncached credentials
async def look_up_then_request(stage: LimitsStage, exchange: Exchange, caller: Identity) -> int | str:
    """What the identity stage and then the limits stage do for a credential not in the cache."""
    try:
        await _finish(stage.spend_for_lookup(exchange))
        exchange.identity = caller  # the monolith's answer
        stage.carry_over_lookup(exchange)
        await _finish(stage.step(exchange))
    except Rejection as refused:
        return refused.status
    return 200


async def _finish(waiting: Awaitable[None] | None) -> None:
    if waiting is not None:
        await waiting


def run_looking_up(callers: list[Identity], route: Route = STRICT, **options) -> list[int | str]:
    async def scenario() -> list[int | str]:
        async with limits_stage(**options) as stage:
            return [await look_up_then_request(stage, new_exchange(route=route), caller) for caller in callers]

    return asyncio.run(scenario())


@pytest.mark.parametrize("lease_max", [1, 10])
def test_an_anonymous_caller_s_look_up_and_request_spend_one_token_between_them(lease_max):
    """The route's plan lets 3 through at once: 3 look-ups, each followed by its request, then 429."""
    assert run_looking_up([ANONYMOUS] * 4, lease_max=lease_max) == [200, 200, 200, 429]


def test_a_signed_in_caller_s_look_up_is_paid_from_its_address_s_anonymous_bucket():
    """The request itself is not limited, but its look-up was: a fourth look-up is refused."""
    assert run_looking_up([ADA] * 4) == [200, 200, 200, 429]


def test_an_address_whose_bucket_is_empty_gets_429_before_its_look_up():
    async def scenario() -> list[int | str]:
        async with limits_stage() as stage:
            await outcomes(stage, [new_exchange(route=STRICT) for _ in range(3)])  # anonymous traffic empties it
            refused = new_exchange(route=STRICT)
            other_address = new_exchange(route=STRICT, client="198.51.100.2")
            return [await look_up_then_request(stage, exchange, ANONYMOUS) for exchange in (refused, other_address)]

    assert asyncio.run(scenario()) == [429, 200]


def test_without_an_anonymous_plan_look_ups_are_not_limited(redis_client):
    results = run_looking_up([ANONYMOUS] * 30, route=PUBLIC, table=route_table(default_anonymous_plan=None))
    assert results == [200] * 30
    assert not list(redis_client.scan_iter(match="strangler:bucket:*"))


# ---------------------------------------------------------------- addresses
@pytest.mark.parametrize("host, expected", [
    ("198.51.100.7", "198.51.100.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    ("::ffff:198.51.100.7", "198.51.100.7"),
    ("fe80::1%eth0", "fe80::/64"),
    ("not-an-address:x", "not-an-address:x"),
])
def test_a_client_is_counted_by_its_address_and_an_ipv6_client_by_its_64(host, expected):
    assert client_id(host) == expected


# ---------------------------------------------------------------- failure and lifecycle
def test_when_redis_is_down_requests_are_let_through():
    assert run([new_exchange(route=STRICT) for _ in range(5)], redis_url="redis://127.0.0.1:1/0") == [200] * 5


class ProxySettingsLike:
    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url


@pytest.mark.parametrize("as_function", [False, True])
def test_startup_builds_a_working_stage_and_aclose_closes_its_redis_link(redis_server, as_function):
    table = route_table()

    async def scenario() -> tuple[list[int | str], bool]:
        stage = await limits.startup(ProxySettingsLike(redis_server), table=(lambda: table) if as_function else table,
                                     config=LimitsConfig(lease_max=1))
        results: list[int | str] = []
        for _ in range(4):
            try:
                await stage(new_exchange(route=STRICT))
                results.append(200)
            except Rejection as refused:
                results.append(refused.status)
        await stage.aclose()
        return results, bool(stage.owned)

    assert asyncio.run(scenario()) == ([200, 200, 200, 429], True)


def test_the_configuration_reads_every_variable(monkeypatch):
    monkeypatch.setenv("LIMITS_LEASE_MAX", "4")
    monkeypatch.setenv("LIMITS_LEASE_SECONDS", "0.5")
    monkeypatch.setenv("EDGE_REDIS_TIMEOUT", "0.1")
    assert load_limits_config() == LimitsConfig(lease_max=4, lease_seconds=0.5, redis_timeout=0.1)


def test_with_a_user_plan_each_signed_in_caller_has_a_bucket_of_its_own():
    table = dataclasses.replace(route_table(), default_user_plan="basic")
    ada, bob = Identity(user_id="1", username="ada"), Identity(user_id="2", username="bob")
    ada_statuses = run([new_exchange(route=STRICT, identity=ada) for _ in range(20)], table=table, lease_max=1)
    assert ada_statuses[:10] == [200] * 10 and str(ada_statuses[10]).startswith("429")  # basic: a burst of 10
    assert run([new_exchange(route=STRICT, identity=bob)], table=table) == [200]  # not ada's bucket
