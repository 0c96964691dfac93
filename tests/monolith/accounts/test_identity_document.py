"""The monolith writes the edge's identity document only through chassis.identity."""

import json

import pytest

from chassis.identity import ANONYMOUS, INTERNAL_META_KEY, SESSION, identity_cache_key, identity_document, sign_internal
from strangler_django import revocation
from strangler_django.identity import identity_of

KEY = "identity-document-test-key-" + "k" * 40

pytestmark = pytest.mark.django_db


def test_the_identity_endpoint_answers_the_chassis_document_of_the_caller(settings, shopper_client, shopper):
    settings.IDENTITY_SIGNING_KEYS = [KEY]
    response = shopper_client.get("/internal/identity", **{INTERNAL_META_KEY: sign_internal(keys=[KEY])})
    assert response.content.decode() == identity_document(identity_of(shopper))
    assert response["Content-Type"] == "application/json"


def test_a_log_out_leaves_the_chassis_document_of_nobody_in_the_edge_cache(shopper_client, redis_client):
    session_key = shopper_client.session.session_key
    shopper_client.post("/accounts/logout/")
    assert redis_client.get(identity_cache_key(SESSION, session_key)) == identity_document(ANONYMOUS)
    assert identity_document(ANONYMOUS) == revocation.ANONYMOUS_DOCUMENT


def test_a_staff_user_is_answered_with_the_staff_flag(settings, client, django_user_model):
    settings.IDENTITY_SIGNING_KEYS = [KEY]
    staff = django_user_model.objects.create_user("ops", "ops@example.com", "x", is_staff=True)
    client.force_login(staff)
    response = client.get("/internal/identity", **{INTERNAL_META_KEY: sign_internal(keys=[KEY])})
    assert json.loads(response.content) == {"user_id": str(staff.pk), "username": "ops", "email": "ops@example.com",
                                            "is_staff": True}
    assert identity_of(staff).is_staff


def test_a_customer_is_not_staff(shopper):
    assert not identity_of(shopper).is_staff
