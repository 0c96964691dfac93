"""The signed identity: what services accept, what they read as anonymous, and key rotation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from django.core import signing
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from chassis.identity import (
    ANONYMOUS,
    CLOCK_SKEW_SECONDS,
    INTERNAL_MAX_AGE_SECONDS,
    META_KEY,
    SALT,
    Identity,
    IdentityUser,
    SignedIdentityAuthentication,
    SignedIdentityMiddleware,
    identity_cache_key,
    identity_document,
    identity_from_document,
    sign,
    sign_internal,
    verify,
    verify_internal,
)

OLD_KEY = "old-key-" + "o" * 40
NEW_KEY = "new-key-" + "n" * 40
ADA = Identity(user_id="7", username="ada", email="ada@example.com")


def test_a_valid_token_gives_back_the_identity():
    assert verify(sign(ADA, keys=[NEW_KEY]), keys=[NEW_KEY]) == ADA


def test_an_api_plan_travels_with_the_identity():
    client = Identity(api_plan="premium")
    assert verify(sign(client, keys=[NEW_KEY]), keys=[NEW_KEY]) == client


def test_a_staff_flag_travels_with_the_identity():
    staff = Identity(user_id="1", username="ops", is_staff=True)
    assert verify(sign(staff, keys=[NEW_KEY]), keys=[NEW_KEY]).is_staff


def test_a_token_signed_before_the_staff_flag_existed_is_not_staff():
    """A token whose payload has no is_staff, as the edge signed them before the flag."""
    token = signing.TimestampSigner(key=NEW_KEY, salt=SALT, fallback_keys=[]).sign_object(
        {"user_id": "7", "username": "ada", "email": "ada@example.com", "api_plan": None}, compress=False)
    assert verify(token, keys=[NEW_KEY]) == ADA and not ADA.is_staff


def test_a_staff_flag_is_written_into_the_identity_document_and_read_back():
    staff = Identity(user_id="1", username="ops", email="ops@example.com", is_staff=True)
    assert json.loads(identity_document(staff))["is_staff"] is True
    assert identity_from_document(identity_document(staff)) == staff
    assert "is_staff" not in json.loads(identity_document(ADA))  # a customer's document is as it always was


@pytest.mark.parametrize("token", [None, "", "garbage", "a:b:c"])
def test_a_missing_or_malformed_token_is_anonymous(token):
    assert verify(token, keys=[NEW_KEY]) is ANONYMOUS


def test_a_tampered_payload_is_anonymous():
    token = sign(ADA, keys=[NEW_KEY])
    _payload, timestamp, signature = token.split(":")
    forged = sign(Identity(user_id="1", username="admin"), keys=[NEW_KEY]).split(":")[0]
    assert verify(f"{forged}:{timestamp}:{signature}", keys=[NEW_KEY]) is ANONYMOUS


def test_a_tampered_signature_is_anonymous():
    token = sign(ADA, keys=[NEW_KEY])
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert verify(flipped, keys=[NEW_KEY]) is ANONYMOUS


def test_a_token_signed_with_another_key_is_anonymous():
    assert verify(sign(ADA, keys=["someone-elses-key-" + "x" * 30]), keys=[NEW_KEY]) is ANONYMOUS


def test_an_expired_token_is_anonymous():
    token = sign(ADA, keys=[NEW_KEY], issued_at=time.time() - 61)
    assert verify(token, keys=[NEW_KEY], max_age=60) is ANONYMOUS


def test_a_token_replayed_after_expiry_is_anonymous():
    """A token captured 30 s ago: accepted while younger than max_age, refused once older."""
    captured = sign(ADA, keys=[NEW_KEY], issued_at=time.time() - 30)
    assert verify(captured, keys=[NEW_KEY], max_age=60) == ADA
    # The same bytes, replayed when their age has passed max_age (here: a service with max_age 29).
    assert verify(captured, keys=[NEW_KEY], max_age=29) is ANONYMOUS


@pytest.mark.parametrize("ahead", [CLOCK_SKEW_SECONDS + 30, 3600, 10 * 365 * 24 * 3600])
def test_a_token_dated_in_the_future_is_anonymous(ahead, caplog):
    """A signer holding the keys could otherwise mint a token that stays valid for as long as it likes."""
    token = sign(ADA, keys=[NEW_KEY], issued_at=time.time() + ahead)
    assert verify(token, keys=[NEW_KEY], max_age=60) is ANONYMOUS
    assert any(getattr(record, "reason", None) == "IssuedInTheFuture" for record in caplog.records)


def test_a_token_from_a_clock_slightly_ahead_is_still_accepted():
    token = sign(ADA, keys=[NEW_KEY], issued_at=time.time() + 2)
    assert verify(token, keys=[NEW_KEY], max_age=60) == ADA


def test_a_token_from_another_salt_is_not_an_identity():
    assert verify(sign_internal(keys=[NEW_KEY]), keys=[NEW_KEY]) is ANONYMOUS
    assert verify_internal(sign(ADA, keys=[NEW_KEY]), keys=[NEW_KEY]) is False


# ---------------------------------------------------------------- rotation
def test_a_token_signed_with_the_old_key_verifies_while_the_old_key_is_listed_second():
    token = sign(ADA, keys=[OLD_KEY])
    assert verify(token, keys=[NEW_KEY, OLD_KEY]) == ADA


def test_a_token_signed_with_the_old_key_is_anonymous_once_the_old_key_is_removed():
    token = sign(ADA, keys=[OLD_KEY])
    assert verify(token, keys=[NEW_KEY]) is ANONYMOUS


def test_a_service_not_yet_rotated_accepts_tokens_from_a_rotated_signer():
    """Roll-out order: every verifier lists the new key second first; then signers swap the order."""
    token = sign(ADA, keys=[NEW_KEY, OLD_KEY])
    assert verify(token, keys=[OLD_KEY, NEW_KEY]) == ADA


def test_signing_needs_no_django_settings():
    """The proxy has no Django settings; sign() must not reach for SECRET_KEY_FALLBACKS."""
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    script = ("from chassis.identity import Identity, sign, sign_internal, verify;"
              f"t = sign(Identity(user_id='7'), keys=['{NEW_KEY}']); sign_internal(keys=['{NEW_KEY}']);"
              f"assert verify(t, keys=['{NEW_KEY}']).user_id == '7'")
    subprocess.run([sys.executable, "-c", script], env=environment, check=True, timeout=60)


def test_signing_without_keys_is_a_configuration_error():
    with pytest.raises(ValueError):
        sign(ADA, keys=[])


# ---------------------------------------------------------------- the internal-call proof
def test_a_fresh_internal_proof_verifies_under_any_listed_key():
    assert verify_internal(sign_internal(keys=[OLD_KEY]), keys=[NEW_KEY, OLD_KEY]) is True


@pytest.mark.parametrize("value", [None, "", "forged"])
def test_a_missing_or_forged_internal_proof_is_refused(value):
    assert verify_internal(value, keys=[NEW_KEY]) is False


def test_an_internal_proof_dated_in_the_future_is_refused():
    ahead = sign_internal(keys=[NEW_KEY], issued_at=time.time() + CLOCK_SKEW_SECONDS + 30)
    assert verify_internal(ahead, keys=[NEW_KEY]) is False


def test_an_old_internal_proof_is_refused():
    stale = sign_internal(keys=[NEW_KEY], issued_at=time.time() - INTERNAL_MAX_AGE_SECONDS - 1)
    assert verify_internal(stale, keys=[NEW_KEY]) is False


# ---------------------------------------------------------------- the cache key both sides share
def test_the_cache_key_hides_the_credential_and_depends_on_its_kind():
    key = identity_cache_key("session", "abc123secret")
    assert key.startswith("strangler:identity:") and "abc123secret" not in key
    assert key == identity_cache_key("session", "abc123secret")
    assert key != identity_cache_key("token", "abc123secret")


# ---------------------------------------------------------------- the Django side
def _identity_seen_by_middleware(header: str | None) -> Identity:
    seen = {}

    def view(request):
        seen["identity"] = request.identity
        return HttpResponse()

    extra = {META_KEY: header} if header is not None else {}
    SignedIdentityMiddleware(view)(RequestFactory().get("/", **extra))
    return seen["identity"]


def test_the_middleware_sets_the_signed_identity(settings):
    settings.IDENTITY_SIGNING_KEYS = [NEW_KEY]
    assert _identity_seen_by_middleware(sign(ADA, keys=[NEW_KEY])) == ADA


@pytest.mark.parametrize("header", [None, "garbage", sign(ADA, keys=[OLD_KEY]),
                                    sign(ADA, keys=[NEW_KEY], issued_at=time.time() - 3600)],
                         ids=["missing", "garbage", "removed-key", "expired"])
def test_the_middleware_reads_a_missing_or_bad_header_as_anonymous(settings, header):
    settings.IDENTITY_SIGNING_KEYS = [NEW_KEY]
    assert _identity_seen_by_middleware(header) is ANONYMOUS


class WhoAmIApi(APIView):
    authentication_classes = [SignedIdentityAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response({"user_id": request.user.pk, "username": request.user.username})


def _who_am_i(header: str | None) -> Response:
    extra = {META_KEY: header} if header is not None else {}
    response = WhoAmIApi.as_view()(APIRequestFactory().get("/whoami", **extra))
    response.render()
    return response


def test_a_drf_view_sees_the_signed_user(settings):
    settings.IDENTITY_SIGNING_KEYS = [NEW_KEY]
    response = _who_am_i(sign(ADA, keys=[NEW_KEY]))
    assert response.status_code == 200
    assert response.data == {"user_id": "7", "username": "ada"}


@pytest.mark.parametrize("header", [None, "garbage", sign(ADA, keys=[OLD_KEY]),
                                    sign(ADA, keys=[NEW_KEY], issued_at=time.time() - 3600),
                                    sign(Identity(api_plan="basic"), keys=[NEW_KEY])],
                         ids=["missing", "garbage", "removed-key", "expired", "api-key-only"])
def test_a_drf_view_that_needs_login_answers_401_in_the_error_shape(settings, header):
    settings.IDENTITY_SIGNING_KEYS = [NEW_KEY]
    response = _who_am_i(header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Strangler-Identity"
    assert response.data["code"] == 401 and response.data["message"]


def test_the_identity_user_looks_like_a_signed_in_user():
    user = IdentityUser(ADA)
    assert user.is_authenticated and not user.is_anonymous
    assert (user.pk, user.username, user.email, str(user)) == ("7", "ada", "ada@example.com", "ada")
