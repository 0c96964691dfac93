import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


def test_signing_up_through_the_page_logs_the_user_in(client):
    response = client.post("/accounts/signup/", {"username": "grace", "email": "grace@example.com",
                                                 "password1": "Compiler-1952!", "password2": "Compiler-1952!"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "grace" in client.get("/").content.decode()


def test_logging_in_and_out_through_the_pages(client):
    User.objects.create_user("grace", "grace@example.com", "Compiler-1952!")
    response = client.post("/accounts/login/", {"username": "grace", "password": "Compiler-1952!"})
    assert response.status_code == 302
    assert client.get("/").context["user"].is_authenticated
    client.post("/accounts/logout/")
    assert not client.get("/").context["user"].is_authenticated


def test_a_wrong_password_shows_the_form_again(client):
    User.objects.create_user("grace", "grace@example.com", "Compiler-1952!")
    response = client.post("/accounts/login/", {"username": "grace", "password": "nope"})
    assert response.status_code == 200 and "didn't match" in response.content.decode()


def test_the_chat_page_greets_and_sets_a_csrf_cookie(client):
    response = client.get("/")
    assert "Hi there, I&#x27;m your personal Concierge. How can I help?" in response.content.decode()
    assert "csrftoken" in response.cookies


def test_a_common_password_on_the_sign_up_page_is_a_400_with_the_validators_message(client):
    response = client.post("/accounts/signup/", {"username": "grace", "email": "grace@example.com",
                                                 "password1": "password", "password2": "password"})
    assert response.status_code == 400 and "This password is too common." in response.content.decode()
    assert not User.objects.exists()
