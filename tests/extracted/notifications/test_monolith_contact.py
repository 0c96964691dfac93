"""The monolith's internal contact endpoint, which only the kit's services may call."""

import pytest

from chassis.identity import INTERNAL_HEADER, sign_internal
from monolith.accounts.services import user_create

KEYS = ["notifications-test-key-" + "k" * 40]


@pytest.fixture(autouse=True)
def signing_keys(settings):
    settings.IDENTITY_SIGNING_KEYS = KEYS


@pytest.fixture
def shopper(db):
    return user_create(username="ada", email="ada@example.com", password="correct-horse-battery",
                       phone="+15551234567")


def _get(client, user_id, proof: str | None):
    headers = {INTERNAL_HEADER: proof} if proof is not None else {}
    return client.get(f"/internal/accounts/{user_id}/contact", headers=headers)


def test_a_kit_service_reads_the_customers_email_and_phone(client, shopper):
    response = _get(client, shopper.pk, sign_internal(keys=KEYS))
    assert response.status_code == 200
    assert response.json() == {"user_id": str(shopper.pk), "email": "ada@example.com", "phone": "+15551234567"}


def test_a_customer_without_a_phone_has_an_empty_one(client, db):
    user = user_create(username="bob", email="bob@example.com", password="correct-horse-battery")
    assert _get(client, user.pk, sign_internal(keys=KEYS)).json()["phone"] == ""


def test_an_unknown_user_is_404_in_the_error_shape(client, db):
    response = _get(client, 987654, sign_internal(keys=KEYS))
    assert response.status_code == 404 and response.json()["code"] == 404


def test_a_call_without_the_internal_header_is_403(client, shopper):
    response = _get(client, shopper.pk, None)
    assert response.status_code == 403 and "X-Strangler-Internal" in response.json()["message"]


def test_a_proof_signed_with_another_key_is_403(client, shopper):
    assert _get(client, shopper.pk, sign_internal(keys=["some-other-key-" + "x" * 40])).status_code == 403


def test_an_expired_proof_is_403(client, shopper):
    stale = sign_internal(keys=KEYS, issued_at=1_000_000_000)
    assert _get(client, shopper.pk, stale).status_code == 403


def test_a_logged_in_customer_cannot_read_contacts(client, shopper):
    client.force_login(shopper)
    assert _get(client, shopper.pk, None).status_code == 403


def test_a_monolith_without_keys_refuses_everyone(client, shopper, settings):
    settings.IDENTITY_SIGNING_KEYS = []
    assert _get(client, shopper.pk, sign_internal(keys=KEYS)).status_code == 403
