"""What the app tells the edge when credentials die beyond log-out: password changes and deleted users."""

from __future__ import annotations

import json

import pytest

from chassis.identity import INTERNAL_META_KEY, SESSION, identity_cache_key, sign_internal
from strangler_django.revocation import watch_password

KEY = "strangler-django-test-key-" + "k" * 40
ADA_CACHED = json.dumps({"user_id": "1", "username": "ada", "email": "ada@example.com"})

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(django_user_model):
    return django_user_model.objects.create_user("ada", "ada@example.com", "correct-horse-battery")


@pytest.fixture
def shopper_client(client, shopper):
    client.force_login(shopper)
    return client


@pytest.fixture
def edge_cached_session(settings, shopper_client, redis_client):
    """The proxy has asked who ada's session is and cached the answer."""
    settings.IDENTITY_SIGNING_KEYS = [KEY]
    response = shopper_client.get("/internal/identity", **{INTERNAL_META_KEY: sign_internal(keys=[KEY])})
    assert response.json()["username"] == "ada"
    cache_key = identity_cache_key(SESSION, shopper_client.session.session_key)
    redis_client.set(cache_key, ADA_CACHED, ex=30)
    return cache_key


def test_a_password_change_makes_the_edges_cached_sessions_anonymous(
        edge_cached_session, shopper, redis_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        shopper.set_password("another-horse-battery")
        shopper.save()
    assert json.loads(redis_client.get(edge_cached_session)) == {"user_id": None}


def test_saving_a_user_without_changing_the_password_keeps_the_edges_cache(
        edge_cached_session, shopper, redis_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        shopper.email = "ada@example.org"
        shopper.save()
    assert redis_client.get(edge_cached_session) == ADA_CACHED


def test_a_rolled_back_password_change_keeps_the_edges_cache(
        edge_cached_session, shopper, redis_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        shopper.set_password("another-horse-battery")
        shopper.save()
    assert redis_client.get(edge_cached_session) == ADA_CACHED  # told only once the change commits
    assert len(callbacks) == 1


def test_deleting_a_user_makes_the_edges_cached_sessions_anonymous(
        edge_cached_session, shopper, redis_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        shopper.delete()
    assert json.loads(redis_client.get(edge_cached_session)) == {"user_id": None}


def test_the_edges_memory_of_a_users_sessions_holds_no_session_id(edge_cached_session, shopper_client,
                                                                  shopper, redis_client):
    remembered = redis_client.smembers(f"strangler:user-sessions:{shopper.pk}")
    assert remembered and shopper_client.session.session_key not in str(remembered)


def test_a_log_in_saves_the_user_without_asking_for_the_stored_password(shopper, client,
                                                                        django_assert_num_queries):
    """Log-in saves last_login with update_fields: the password watch has nothing to compare."""
    with django_assert_num_queries(0):
        watch_password(type(shopper), shopper, update_fields=frozenset({"last_login"}))
