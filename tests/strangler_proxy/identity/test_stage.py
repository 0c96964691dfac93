"""The identity stage driven with real exchanges and the real Redis (the monolith is not running here:
every lookup that reaches it fails, which proves the cases that must not reach it)."""

from __future__ import annotations

import asyncio
import os
import secrets

import pytest

from chassis.env import ConfigError
from chassis.identity import ANONYMOUS, SESSION, TOKEN, Identity, identity_cache_key, sign, verify
from strangler_proxy.exchange import Exchange, Rejection
from strangler_proxy.identity import stage as identity
from strangler_proxy.identity.config import IdentityConfig, load_identity_config
from strangler_proxy.identity.resolver import FAILED_LOOKUP_SECONDS, IdentityResolver
from strangler_proxy.identity.stage import IdentityStage, build_stage, is_internal_path
from strangler_proxy.limits import stage as limits
from strangler_proxy.limits.apikeys import ApiKeyPlans, api_key_add, api_key_revoke
from strangler_proxy.redis_link import RedisLink
from tests.strangler_proxy.identity.support import (
    NOWHERE,
    PRIVATE,
    SIGNING_KEY,
    UNLIMITED,
    cache_identity,
    identity_stage,
    limits_stage,
    new_exchange,
)
from tests.strangler_proxy.limits.support import PLANS, route_table

SESSION_KEY = "abcdefghijklmnopqrstuvwxyz012345"
TOKEN_KEY = "0123456789abcdef0123456789abcdef01234567"
ADA = {"user_id": "7", "username": "ada", "email": "ada@example.com"}
ANONYMOUS_BURST = PLANS["anonymous"].burst


def run_stage(exchange: Exchange, **options) -> Exchange:
    async def scenario() -> None:
        async with identity_stage(**options) as stage:
            await stage(exchange)

    asyncio.run(scenario())
    return exchange


def signed_identity(exchange: Exchange) -> Identity:
    values = [value for name, value in exchange.headers if name == b"x-strangler-identity"]
    assert len(values) == 1, values
    return verify(values[0].decode(), keys=[SIGNING_KEY])


def rejection(exchange: Exchange, **options) -> Rejection:
    with pytest.raises(Rejection) as raised:
        run_stage(exchange, **options)
    return raised.value


# ---------------------------------------------------------------- anonymous callers
def test_an_anonymous_request_needs_neither_redis_nor_the_monolith():
    """Redis and the monolith both unreachable: a request with no credential goes through untouched."""
    exchange = run_stage(new_exchange([(b"host", b"shop"), (b"cookie", b"csrftoken=x")]),
                         redis_url="redis://127.0.0.1:1/0")
    assert exchange.identity is ANONYMOUS
    assert exchange.headers == [(b"host", b"shop"), (b"cookie", b"csrftoken=x")]


def test_a_forged_identity_header_is_removed_even_when_validly_signed():
    forged = sign(Identity(user_id="1", username="admin"), keys=[SIGNING_KEY]).encode()
    exchange = run_stage(new_exchange([(b"x-strangler-identity", forged), (b"X_Strangler_Identity", forged),
                                       (b"x-user", b"admin")]))
    assert exchange.identity is ANONYMOUS
    assert exchange.headers == []


def test_a_login_required_route_answers_401_to_an_anonymous_caller():
    refused = rejection(new_exchange(route=PRIVATE))
    assert refused.status == 401
    assert (b"www-authenticate", b"Token") in refused.headers


@pytest.mark.parametrize("path", ["/internal/identity", "/internal", "/internal/", "/INTERNAL/identity",
                                  "/Internal/anything/else"])
def test_a_client_request_under_internal_is_answered_404(path):
    refused = rejection(new_exchange(path=path))
    assert refused.status == 404


@pytest.mark.parametrize("path", ["/internals", "/internalfoo/bar", "/v1/internal/identity", "/"])
def test_other_paths_are_not_internal(path):
    assert not is_internal_path(path)


# ---------------------------------------------------------------- signed-in callers, from the cache
def test_a_cached_session_is_resolved_without_asking_the_monolith(redis_client):
    cache_identity(redis_client, SESSION, SESSION_KEY, ADA)
    exchange = run_stage(new_exchange([(b"cookie", f"sessionid={SESSION_KEY}".encode())]))
    assert exchange.identity == Identity(**ADA)
    assert signed_identity(exchange) == Identity(**ADA)


def test_a_cached_token_is_resolved_without_asking_the_monolith(redis_client):
    cache_identity(redis_client, TOKEN, TOKEN_KEY, ADA)
    exchange = run_stage(new_exchange([(b"authorization", f"Token {TOKEN_KEY}".encode())], route=PRIVATE))
    assert exchange.identity.username == "ada"
    assert (b"authorization", f"Token {TOKEN_KEY}".encode()) in exchange.headers  # the monolith still reads it


def test_a_cached_anonymous_answer_means_anonymous_and_no_header(redis_client):
    cache_identity(redis_client, SESSION, SESSION_KEY, {"user_id": None})
    exchange = run_stage(new_exchange([(b"cookie", f"sessionid={SESSION_KEY}".encode())]))
    assert exchange.identity is ANONYMOUS
    assert exchange.header(b"x-strangler-identity") is None


def test_a_token_counts_when_the_session_is_anonymous(redis_client):
    cache_identity(redis_client, SESSION, SESSION_KEY, {"user_id": None})
    cache_identity(redis_client, TOKEN, TOKEN_KEY, ADA)
    exchange = run_stage(new_exchange([(b"cookie", f"sessionid={SESSION_KEY}".encode()),
                                       (b"authorization", f"Token {TOKEN_KEY}".encode())]))
    assert exchange.identity.user_id == "7"


def test_a_client_cannot_replace_the_signed_identity_with_its_own(redis_client):
    cache_identity(redis_client, SESSION, SESSION_KEY, ADA)
    forged = sign(Identity(user_id="1", username="admin"), keys=[SIGNING_KEY]).encode()
    exchange = run_stage(new_exchange([(b"cookie", f"sessionid={SESSION_KEY}".encode()),
                                       (b"x-strangler-identity", forged)]))
    assert signed_identity(exchange).username == "ada"


# ---------------------------------------------------------------- when the monolith cannot answer
def test_an_unreachable_monolith_means_anonymous_remembered_only_briefly(redis_client):
    exchange = run_stage(new_exchange([(b"cookie", f"sessionid={SESSION_KEY}".encode())]), monolith_url=NOWHERE)
    assert exchange.identity is ANONYMOUS
    key = identity_cache_key(SESSION, SESSION_KEY)
    assert '"user_id": null' in redis_client.get(key) or '"user_id":null' in redis_client.get(key)
    assert 0 < redis_client.ttl(key) <= FAILED_LOOKUP_SECONDS


def test_an_unreachable_monolith_on_a_login_required_route_is_503_not_401():
    refused = rejection(new_exchange([(b"cookie", f"sessionid={SESSION_KEY}".encode())], route=PRIVATE))
    assert refused.status == 503


# ---------------------------------------------------------------- look-ups, paid for by the caller's address
class CountingMonolith:
    """The identity endpoint where the HTTP call is not the point (test_monolith.py and
    test_lookup_limit.py ask the real one): answers `answer` to every look-up, and counts them."""

    def __init__(self, answer: Identity = ANONYMOUS) -> None:
        self.answer = answer
        self.asked: list[str] = []

    async def __call__(self, kind: str, credential: str) -> Identity:
        self.asked.append(credential)
        return self.answer


def through_the_edge(exchanges: list[Exchange], monolith: CountingMonolith) -> list[int]:
    """The identity stage, then the limits stage, over `exchanges` in turn; each one's status."""
    async def scenario() -> list[int]:
        client = RedisLink(os.environ["REDIS_URL"], timeout=0.5)
        limits_stage_ = limits_stage(client, route_table())  # anonymous callers: a burst of ANONYMOUS_BURST
        config = IdentityConfig(signing_keys=(SIGNING_KEY,), monolith_url=NOWHERE)
        identity_stage_ = build_stage(config, client, limits_stage_, monolith)
        statuses = []
        for exchange in exchanges:
            try:
                await identity_stage_(exchange)
                await limits_stage_(exchange)
                statuses.append(200)
            except Rejection as refused:
                statuses.append(refused.status)
        await client.aclose()
        return statuses

    return asyncio.run(scenario())


def test_made_up_credentials_are_looked_up_only_while_the_address_can_pay_and_then_get_429():
    """Random sessions and tokens, more than the anonymous plan's burst, none of them cached."""
    monolith = CountingMonolith()
    exchanges = [new_exchange([(b"authorization", f"Token {secrets.token_hex(20)}".encode())] if number % 2 else
                              [(b"cookie", f"sessionid={secrets.token_hex(16)}".encode())])
                 for number in range(ANONYMOUS_BURST + 15)]
    statuses = through_the_edge(exchanges, monolith)
    assert len(monolith.asked) == ANONYMOUS_BURST
    # Each looked-up request went through: its look-up's token was the one its request spent.
    assert statuses == [200] * ANONYMOUS_BURST + [429] * 15


def test_a_signed_in_caller_s_look_up_is_paid_for_once_per_cache_entry(redis_client):
    """The same session, uncached at first: looked up once, then served from the cache at no cost."""
    monolith = CountingMonolith(Identity(**ADA))
    session = [(b"cookie", f"sessionid={SESSION_KEY}".encode())]
    statuses = through_the_edge([new_exchange(list(session)) for _ in range(ANONYMOUS_BURST * 2)], monolith)
    assert statuses == [200] * ANONYMOUS_BURST * 2
    assert monolith.asked == [SESSION_KEY]


def test_cached_credentials_spend_nothing_from_the_address_s_bucket(redis_client):
    cache_identity(redis_client, SESSION, SESSION_KEY, ADA)
    cache_identity(redis_client, TOKEN, TOKEN_KEY, {"user_id": None})
    signed_in = [new_exchange([(b"cookie", f"sessionid={SESSION_KEY}".encode())]) for _ in range(5)]
    anonymous = [new_exchange([(b"authorization", f"Token {TOKEN_KEY}".encode())]) for _ in range(5)]
    monolith = CountingMonolith()
    assert through_the_edge(signed_in, monolith) == [200] * 5
    assert not list(redis_client.scan_iter(match="strangler:bucket:*"))
    through_the_edge(anonymous, monolith)
    assert monolith.asked == []
    # An anonymous caller's requests spend from the bucket as they would without the token: one each.
    bucket = redis_client.hgetall("strangler:bucket:client:anonymous:203.0.113.7")
    assert int(float(bucket["tokens"])) == ANONYMOUS_BURST - 5  # (plus what refilled meanwhile: a sliver)


# ---------------------------------------------------------------- API keys
def test_a_known_api_key_carries_its_plan_and_does_not_go_upstream(redis_client):
    key = api_key_add(redis_client, plan="premium")
    exchange = run_stage(new_exchange([(b"x-api-key", key.encode()), (b"accept", b"*/*")]))
    assert exchange.api_key == key
    assert exchange.identity == Identity(api_plan="premium")
    assert exchange.headers[0] == (b"accept", b"*/*")
    assert signed_identity(exchange) == Identity(api_plan="premium")
    assert key.encode() not in b"".join(value for _, value in exchange.headers)


def test_an_api_key_and_a_session_make_one_identity(redis_client):
    key = api_key_add(redis_client, plan="basic")
    cache_identity(redis_client, SESSION, SESSION_KEY, ADA)
    exchange = run_stage(new_exchange([(b"x-api-key", key.encode()),
                                       (b"cookie", f"sessionid={SESSION_KEY}".encode())]))
    assert signed_identity(exchange) == Identity(**ADA, api_plan="basic")


def test_an_unknown_api_key_is_answered_401():
    assert rejection(new_exchange([(b"x-api-key", b"sk_made_up")])).status == 401


def test_an_api_key_alone_does_not_satisfy_a_login_required_route(redis_client):
    key = api_key_add(redis_client, plan="basic")
    assert rejection(new_exchange([(b"x-api-key", key.encode())], route=PRIVATE)).status == 401


def test_two_different_api_keys_are_answered_400():
    assert rejection(new_exchange([(b"x-api-key", b"sk_one"), (b"x-api-key", b"sk_two")])).status == 400


def test_api_keys_that_cannot_be_checked_are_answered_503():
    refused = rejection(new_exchange([(b"x-api-key", b"sk_any")]), redis_url="redis://127.0.0.1:1/0")
    assert refused.status == 503


def test_a_revoked_api_key_stops_working_once_the_remembered_answer_expires(redis_client, redis_server):
    """A process remembers a key's plan for 5 s; the key is revoked in between."""
    key = api_key_add(redis_client, plan="basic")
    clock = [1000.0]

    async def scenario() -> list[int | str]:
        client = RedisLink(redis_server, timeout=0.5)
        stage = IdentityStage(resolver=IdentityResolver(redis=client, lookup=_no_lookup, cache_seconds=30),
                              lookup_limit=limits_stage(client), keys=[SIGNING_KEY],
                              api_key_plan=ApiKeyPlans(client, remember_seconds=5, clock=lambda: clock[0]))
        outcomes: list[int | str] = []
        for advance in (0, 4.9, 0.2):
            clock[0] += advance
            exchange = new_exchange([(b"x-api-key", key.encode())])
            try:
                await stage(exchange)
                outcomes.append(exchange.identity.api_plan or "")
            except Rejection as refused:
                outcomes.append(refused.status)
            if advance == 0:
                api_key_revoke(redis_client, key=key)
        await client.aclose()
        return outcomes

    assert asyncio.run(scenario()) == ["basic", "basic", 401]


async def _no_lookup(kind: str, credential: str) -> Identity:
    raise AssertionError("no credential should be looked up here")


# ---------------------------------------------------------------- signing
def test_a_signed_token_is_reused_briefly_then_signed_afresh(redis_client):
    cache_identity(redis_client, SESSION, SESSION_KEY, ADA)
    clock = [50.0]

    async def scenario() -> list[bytes]:
        async with identity_stage() as built:
            stage = IdentityStage(resolver=built.resolver, lookup_limit=built.lookup_limit,
                                  api_key_plan=built.api_key_plan, keys=[SIGNING_KEY], clock=lambda: clock[0])
            tokens = []
            for advance in (0, identity.RESIGN_SECONDS - 0.1, 0.2):
                clock[0] += advance
                exchange = new_exchange([(b"cookie", f"sessionid={SESSION_KEY}".encode())])
                await stage(exchange)
                tokens.append(exchange.header(b"x-strangler-identity"))
            return tokens

    first, reused, fresh = asyncio.run(scenario())
    assert first == reused
    assert fresh is not None and verify(fresh.decode(), keys=[SIGNING_KEY]).username == "ada"


# ---------------------------------------------------------------- lifecycle and configuration
class ProxySettingsLike:
    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url


def test_startup_builds_a_working_stage_from_the_environment(monkeypatch, redis_client, redis_server):
    monkeypatch.setenv("IDENTITY_SIGNING_KEYS", SIGNING_KEY)
    monkeypatch.setenv("MONOLITH_URL", NOWHERE)
    cache_identity(redis_client, SESSION, SESSION_KEY, ADA)

    async def scenario() -> Exchange:
        limits_stage = await limits.startup(ProxySettingsLike(redis_server), table=UNLIMITED)
        stage = await identity.startup(ProxySettingsLike(redis_server), lookup_limit=limits_stage)
        try:
            exchange = new_exchange([(b"cookie", f"sessionid={SESSION_KEY}".encode())])
            await stage(exchange)
            return exchange
        finally:
            await stage.aclose()
            await limits_stage.aclose()

    assert asyncio.run(scenario()).identity.username == "ada"


@pytest.mark.parametrize("keys", [None, "", "short", f"{SIGNING_KEY},short"])
def test_missing_or_weak_signing_keys_stop_the_proxy_at_start_up(monkeypatch, keys):
    monkeypatch.setenv("MONOLITH_URL", NOWHERE)
    if keys is None:
        monkeypatch.delenv("IDENTITY_SIGNING_KEYS", raising=False)
    else:
        monkeypatch.setenv("IDENTITY_SIGNING_KEYS", keys)
    with pytest.raises(ConfigError, match="IDENTITY_SIGNING_KEYS"):
        load_identity_config()


def test_the_configuration_reads_every_variable(monkeypatch):
    for name, value in {"IDENTITY_SIGNING_KEYS": f"{SIGNING_KEY}, old-{SIGNING_KEY}", "MONOLITH_URL": NOWHERE,
                        "IDENTITY_CACHE_SECONDS": "12", "IDENTITY_LOOKUP_TIMEOUT": "0.5",
                        "MONOLITH_SESSION_COOKIE": "concierge", "API_KEY_CACHE_SECONDS": "0",
                        "PROXY_HEALTH_HOST": "shop.example",
                        "EDGE_REDIS_TIMEOUT": "0.1"}.items():
        monkeypatch.setenv(name, value)
    config = load_identity_config()
    assert config.signing_keys == (SIGNING_KEY, f"old-{SIGNING_KEY}")
    assert (config.cache_seconds, config.lookup_timeout, config.session_cookie) == (12, 0.5, "concierge")
    assert config.lookup_host == "shop.example"
    assert (config.api_key_cache_seconds, config.redis_timeout) == (0.0, 0.1)
    assert config.monolith_url == NOWHERE


def test_a_browser_not_signed_in_is_sent_to_log_in_and_back_an_api_caller_gets_401():
    page = rejection(new_exchange([(b"accept", b"text/html,application/xhtml+xml,*/*;q=0.8")], route=PRIVATE))
    assert page.status == 302
    assert dict(page.headers)[b"location"].startswith(b"/accounts/login/?next=%2F")
    api = rejection(new_exchange([(b"accept", b"application/json")], route=PRIVATE))
    assert api.status == 401
