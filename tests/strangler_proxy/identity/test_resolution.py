"""Resolution against the real monolith, served over HTTP by a live server, with the real Redis."""

from __future__ import annotations

import asyncio
import json

import pytest
from django.conf import settings as django_settings

from chassis.identity import ANONYMOUS, SESSION, Identity, identity_cache_key, verify
from monolith.accounts.services import api_token_get_or_create, user_create
from strangler_proxy.exchange import Exchange, Rejection
from strangler_proxy.identity.resolver import FAILED_LOOKUP_SECONDS
from tests.strangler_proxy.identity.support import PRIVATE, SIGNING_KEY, identity_stage, new_exchange

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def monolith_keys(settings):
    settings.IDENTITY_SIGNING_KEYS = [SIGNING_KEY]


@pytest.fixture
def ada(db):
    return user_create(username="ada", email="ada@example.com", password="correct-horse-battery")


@pytest.fixture
def ada_session(client, ada) -> str:
    """Ada, logged in to the monolith; the value of her session cookie."""
    client.force_login(ada)
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def resolve(monolith_url: str, *exchanges: Exchange, **options) -> list[Exchange]:
    """Run the stage over `exchanges`, one after the other, as one proxy process would."""
    async def scenario() -> None:
        async with identity_stage(monolith_url, **options) as stage:
            for exchange in exchanges:
                await stage(exchange)

    asyncio.run(scenario())
    return list(exchanges)


def with_session(session: str, **options) -> Exchange:
    return new_exchange([(b"cookie", f"csrftoken=x; sessionid={session}".encode())], **options)


def test_a_session_is_resolved_by_the_monolith_and_cached(live_server, ada, ada_session, redis_client):
    [exchange] = resolve(live_server.url, with_session(ada_session))
    expected = Identity(user_id=str(ada.pk), username="ada", email="ada@example.com")
    assert exchange.identity == expected
    assert verify(exchange.header(b"x-strangler-identity").decode(), keys=[SIGNING_KEY]) == expected
    assert 0 < redis_client.ttl(identity_cache_key(SESSION, ada_session)) <= 30


def test_an_api_token_is_resolved_by_the_monolith(live_server, ada):
    token = api_token_get_or_create(user=ada)
    [exchange] = resolve(live_server.url, new_exchange([(b"authorization", f"Token {token}".encode())],
                                                       route=PRIVATE))
    assert exchange.identity.username == "ada"


def test_an_unknown_session_is_cached_as_anonymous(live_server, redis_client, db):
    [exchange] = resolve(live_server.url, with_session("nosuchsession0123456789abcdefghij"))
    assert exchange.identity is ANONYMOUS
    assert redis_client.get(identity_cache_key(SESSION, "nosuchsession0123456789abcdefghij")) == '{"user_id": null}'


def test_logging_out_makes_the_very_next_request_anonymous(live_server, client, ada_session):
    """Ada's session is cached at the edge as hers; she logs out through the monolith."""
    first, = resolve(live_server.url, with_session(ada_session))
    assert first.identity.username == "ada"
    client.post("/accounts/logout/")
    after, = resolve(live_server.url, with_session(ada_session))
    assert after.identity is ANONYMOUS
    with pytest.raises(Rejection) as refused:
        resolve(live_server.url, with_session(ada_session, route=PRIVATE))
    assert refused.value.status == 401


def test_without_redis_every_request_is_resolved_by_the_monolith(live_server, ada_session):
    exchanges = resolve(live_server.url, with_session(ada_session), with_session(ada_session),
                        redis_url="redis://127.0.0.1:1/0")
    assert [exchange.identity.username for exchange in exchanges] == ["ada", "ada"]


def test_a_proxy_with_the_wrong_key_is_refused_by_the_monolith(live_server, ada_session, settings, redis_client):
    """The monolith verifies the proxy's proof with keys the proxy does not have."""
    settings.IDENTITY_SIGNING_KEYS = ["the-monolith-has-another-key-" + "m" * 30]
    [exchange] = resolve(live_server.url, with_session(ada_session))
    assert exchange.identity is ANONYMOUS
    # The failure is remembered briefly, as anonymous, so the monolith is not asked on every request.
    key = identity_cache_key(SESSION, ada_session)
    assert json.loads(redis_client.get(key))["user_id"] is None
    assert 0 < redis_client.ttl(key) <= FAILED_LOOKUP_SECONDS
