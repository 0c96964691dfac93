import pytest
from django.contrib.auth.models import User

from chassis.identity import NOT_AUTHENTICATED
from monolith.accounts.models import Profile

pytestmark = pytest.mark.django_db


def _signup(client, **overrides):
    body = {"username": "ada", "email": "ada@example.com", "password": "correct-horse-battery", **overrides}
    return client.post("/v1/auth/signup", body, content_type="application/json")


def test_signing_up_creates_a_user_a_profile_and_a_token(client):
    response = _signup(client, phone="+15551234567")
    assert response.status_code == 201
    user = User.objects.get(username="ada")
    assert Profile.objects.get(user=user).phone == "+15551234567"
    assert response.json()["token"]


def test_the_token_authenticates_api_calls(client):
    token = _signup(client).json()["token"]
    response = client.get("/v1/orders", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200 and response.json() == {"orders": []}


def test_a_token_is_issued_for_the_right_password_only(client):
    _signup(client)
    good = client.post("/v1/auth/token", {"username": "ada", "password": "correct-horse-battery"},
                       content_type="application/json")
    bad = client.post("/v1/auth/token", {"username": "ada", "password": "wrong-password"},
                      content_type="application/json")
    assert good.status_code == 200 and good.json()["token"]
    assert bad.status_code in (401, 403) and bad.json()["code"] == bad.status_code


def test_a_taken_username_is_refused_and_nothing_is_created(client):
    _signup(client)
    response = _signup(client, email="other@example.com")
    assert response.status_code == 400 and "username" in response.json()["message"]
    assert User.objects.count() == 1


@pytest.mark.parametrize("overrides, field", [
    ({"email": "not-an-email"}, "email"),
    ({"password": "short"}, "password"),
    ({"phone": "0123"}, "phone"),
    ({"username": ["ada"]}, "username"),
])
def test_bad_sign_up_input_is_a_400_naming_the_field(client, overrides, field):
    response = _signup(client, **overrides)
    body = response.json()
    assert response.status_code == 400 and isinstance(body["code"], int) and field in body["message"]
    assert not User.objects.exists()


def test_anonymous_order_history_is_403_as_the_contract_says(client):
    response = client.get("/v1/orders")
    assert response.status_code == 403 and response.json()["code"] == 403


def test_a_common_password_is_a_400_with_the_validators_message(client):
    response = _signup(client, password="password")
    body = response.json()
    assert response.status_code == 400 and body["code"] == 400
    assert body["message"] == "password: This password is too common."
    assert not User.objects.exists()


def test_a_password_like_the_username_is_refused(client):
    response = _signup(client, username="margaret-hamilton", password="margaret-hamilton")
    assert response.status_code == 400 and "too similar to the username" in response.json()["message"]


@pytest.mark.parametrize("authorization", [None, "Token not-a-real-token", "Token two words", "Token"])
def test_no_token_and_a_bad_token_get_the_one_message_every_deployable_uses(client, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.get("/v1/orders", **headers)
    assert response.status_code == 403
    assert response.json()["message"] == NOT_AUTHENTICATED


def test_a_wrong_password_for_a_token_still_says_so(client):
    _signup(client)
    response = client.post("/v1/auth/token", {"username": "ada", "password": "wrong-password"},
                           content_type="application/json")
    assert response.json()["message"] == "Wrong username or password."
