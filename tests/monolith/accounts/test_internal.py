"""GET /internal/identity (the proxy's question "who is this?") and the log-out that must reach the edge."""

from __future__ import annotations

import json
import time

import pytest
import redis
from rest_framework.authtoken.models import Token

from chassis.identity import INTERNAL_META_KEY, REVOKED_TTL_SECONDS, SESSION, TOKEN, identity_cache_key, sign_internal
from monolith.accounts.services import api_token_get_or_create
from strangler_django import revocation

KEY = "internal-test-key-" + "k" * 40
ADA_CACHED = json.dumps({"user_id": "1", "username": "ada", "email": "ada@example.com"})

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def signing_keys(settings):
    settings.IDENTITY_SIGNING_KEYS = [KEY]


def _ask(client, *, proof: str | None = "fresh", **extra):
    if proof == "fresh":
        proof = sign_internal(keys=[KEY])
    if proof is not None:
        extra[INTERNAL_META_KEY] = proof
    return client.get("/internal/identity", **extra)


def test_a_session_is_answered_with_its_user(shopper_client, shopper):
    response = _ask(shopper_client)
    assert response.status_code == 200
    assert response.json() == {"user_id": str(shopper.pk), "username": "ada", "email": "ada@example.com"}


def test_an_api_token_is_answered_with_its_user(client, shopper):
    token = api_token_get_or_create(user=shopper)
    response = _ask(client, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.json()["user_id"] == str(shopper.pk)


@pytest.mark.parametrize("authorization", ["", "Token " + "0" * 40, "Token", "Token a b", "Bearer xyz"])
def test_no_or_a_bad_credential_is_answered_anonymous(client, shopper, authorization):
    extra = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = _ask(client, **extra)
    assert response.status_code == 200
    assert response.json() == {"user_id": None}


def test_an_inactive_users_token_is_answered_anonymous(client, shopper):
    token = api_token_get_or_create(user=shopper)
    shopper.is_active = False
    shopper.save()
    assert _ask(client, HTTP_AUTHORIZATION=f"Token {token}").json() == {"user_id": None}


def test_the_answer_is_never_cached_by_http_caches(shopper_client):
    assert "no-store" in _ask(shopper_client)["Cache-Control"]


@pytest.mark.parametrize("proof", [None, "forged", sign_internal(keys=["another-key-" + "x" * 40]),
                                   sign_internal(keys=[KEY], issued_at=time.time() - 3600)],
                         ids=["missing", "forged", "other-key", "stale"])
def test_a_call_without_a_valid_proof_is_refused(shopper_client, proof):
    response = _ask(shopper_client, proof=proof)
    assert response.status_code == 403
    assert response.json()["code"] == 403
    assert "user_id" not in response.json()


def test_every_call_is_refused_when_no_signing_key_is_configured(shopper_client, settings):
    del settings.IDENTITY_SIGNING_KEYS
    assert _ask(shopper_client).status_code == 403


def test_only_get_is_allowed(shopper_client):
    response = shopper_client.post("/internal/identity", **{INTERNAL_META_KEY: sign_internal(keys=[KEY])})
    assert response.status_code == 405


# ---------------------------------------------------------------- the edge's cache hears of dead credentials
def test_logging_out_makes_the_edges_cached_session_anonymous(shopper_client, redis_client):
    """The edge has cached the session as ada's; she logs out."""
    cache_key = identity_cache_key(SESSION, shopper_client.session.session_key)
    redis_client.set(cache_key, ADA_CACHED, ex=30)
    shopper_client.post("/accounts/logout/")
    assert json.loads(redis_client.get(cache_key)) == {"user_id": None}
    assert 0 < redis_client.ttl(cache_key) <= REVOKED_TTL_SECONDS


def test_deleting_a_token_makes_the_edges_cached_token_anonymous(shopper, redis_client):
    token = api_token_get_or_create(user=shopper)
    cache_key = identity_cache_key(TOKEN, token)
    redis_client.set(cache_key, ADA_CACHED, ex=30)
    Token.objects.filter(key=token).delete()
    assert json.loads(redis_client.get(cache_key)) == {"user_id": None}


def test_deleting_a_user_makes_their_cached_token_anonymous(shopper, redis_client):
    cache_key = identity_cache_key(TOKEN, api_token_get_or_create(user=shopper))
    redis_client.set(cache_key, ADA_CACHED, ex=30)
    shopper.delete()
    assert json.loads(redis_client.get(cache_key)) == {"user_id": None}


def test_logging_out_still_works_when_redis_is_down(shopper_client, monkeypatch):
    """Nothing answers at the Redis address: the log-out is logged as not reaching the edge, not broken."""
    monkeypatch.setattr(revocation, "_client", redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2))
    response = shopper_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in shopper_client.session
