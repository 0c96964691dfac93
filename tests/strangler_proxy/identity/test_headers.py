"""Which client headers never reach an upstream, and how credentials are read off a request."""

from __future__ import annotations

import pytest

from strangler_proxy.identity.headers import NONE, Credentials, is_identity_header, take_credentials

SESSION_KEY = "k" * 8 + "0123456789abcdefghijklmnop"  # Django's form: lower-case letters and digits
TOKEN_KEY = "0123456789abcdef0123456789abcdef01234567"  # DRF's form: 40 hex digits

IDENTITY_HEADERS = [
    "X-Strangler-Identity", "X-Strangler-Internal", "X-Strangler-Anything", "X-User", "X-User-Id",
    "X-Username", "X-User-Email", "X-Remote-User", "Remote-User", "X-Forwarded-User", "X-Forwarded-Email",
    "X-Forwarded-Preferred-Username", "X-Forwarded-Groups", "X-Auth-User", "X-Auth-Request-User",
    "X-Authenticated-Userid", "X-Identity", "X-Identity-Token", "X-Consumer-Username", "X-Credential-Identifier",
    "X-Amzn-Oidc-Identity", "X-Ms-Client-Principal-Name", "X-Api-Key",
]


def spellings(name: str) -> list[bytes]:
    """Every way a client could spell `name` that Django would read as the same META key."""
    forms = {name, name.lower(), name.upper(), name.replace("-", "_"), name.lower().replace("-", "_"),
             name.upper().replace("-", "_")}
    if "-" in name:  # one dash and one underscore, mixed
        forms.add(name.replace("-", "_", 1))
    return sorted(form.encode() for form in forms)


@pytest.mark.parametrize("name", [form for header in IDENTITY_HEADERS for form in spellings(header)])
def test_an_identity_header_is_recognised_in_every_spelling(name):
    assert is_identity_header(name)


@pytest.mark.parametrize("name", [b"x-request-id", b"user-agent", b"authorization", b"cookie", b"host",
                                  b"x-forwarded-for", b"x-forwarded-proto", b"accept", b"x-csrftoken",
                                  b"content-type", b"x-canary", b"referer"])
def test_an_ordinary_header_is_not_an_identity_header(name):
    assert not is_identity_header(name)


@pytest.mark.parametrize("header", IDENTITY_HEADERS)
def test_every_copy_of_an_identity_header_is_removed(header):
    """A client sends the header several times, in several spellings, among ordinary headers."""
    forged = [(name.lower(), b"7") for name in spellings(header) if name.lower() != b"x-api-key"]
    headers = [(b"host", b"shop"), *forged, (b"accept", b"*/*"), *forged]
    take_credentials(headers, b"sessionid")
    assert headers == [(b"host", b"shop"), (b"accept", b"*/*")]


def test_a_request_with_no_credentials_keeps_its_headers_in_order():
    headers = [(b"host", b"shop"), (b"cookie", b"csrftoken=abc"), (b"accept", b"*/*")]
    assert take_credentials(headers, b"sessionid") is NONE
    assert headers == [(b"host", b"shop"), (b"cookie", b"csrftoken=abc"), (b"accept", b"*/*")]


def test_the_session_cookie_is_read_and_left_for_the_monolith():
    cookie = f"csrftoken=abc; sessionid={SESSION_KEY}; theme=dark".encode()
    headers = [(b"cookie", cookie)]
    assert take_credentials(headers, b"sessionid") == Credentials(session=SESSION_KEY)
    assert headers == [(b"cookie", cookie)]


def test_the_last_session_cookie_wins_as_in_django():
    other = "z" * 32
    headers = [(b"cookie", f"sessionid={SESSION_KEY}".encode()), (b"cookie", f"sessionid={other}".encode())]
    assert take_credentials(headers, b"sessionid").session == other


def test_a_last_session_cookie_that_is_not_canonical_wins_and_means_none():
    headers = [(b"cookie", f"sessionid={SESSION_KEY}".encode()), (b"cookie", b'sessionid="' + b"z" * 32 + b'"')]
    assert take_credentials(headers, b"sessionid").session is None


@pytest.mark.parametrize("cookie", [b"sessionid=", b'sessionid="' + SESSION_KEY.encode() + b'"',
                                    b"sessionid=" + SESSION_KEY.upper().encode(), b"sessionid=short",
                                    b"xsessionid=" + SESSION_KEY.encode(), b"sessionid=a\\141bcdefghij"])
def test_a_session_cookie_not_in_canonical_form_is_ignored(cookie):
    assert take_credentials([(b"cookie", cookie)], b"sessionid").session is None


def test_an_api_token_is_read_and_left_for_the_monolith():
    headers = [(b"authorization", f"Token {TOKEN_KEY}".encode())]
    assert take_credentials(headers, b"sessionid") == Credentials(token=TOKEN_KEY)
    assert headers == [(b"authorization", f"Token {TOKEN_KEY}".encode())]


@pytest.mark.parametrize("authorization", [b"Bearer " + TOKEN_KEY.encode(), b"Token", b"Token a b",
                                           b"Token " + TOKEN_KEY.upper().encode(), b"Token abc"])
def test_an_authorization_that_is_not_a_canonical_token_is_ignored(authorization):
    assert take_credentials([(b"authorization", authorization)], b"sessionid").token is None


def test_the_token_keyword_is_case_insensitive_as_in_drf():
    assert take_credentials([(b"authorization", f"token {TOKEN_KEY}".encode())], b"sessionid").token == TOKEN_KEY


@pytest.mark.parametrize("name", [b"x-api-key", b"x_api_key", b"X-API-KEY"])
def test_an_api_key_is_read_and_removed(name):
    headers = [(b"host", b"shop"), (name, b"sk_secret")]
    assert take_credentials(headers, b"sessionid") == Credentials(api_key="sk_secret")
    assert headers == [(b"host", b"shop")]


def test_a_repeated_api_key_is_one_key():
    headers = [(b"x-api-key", b"sk_one"), (b"x_api_key", b"sk_one")]
    assert take_credentials(headers, b"sessionid").api_key == "sk_one"


def test_two_different_api_keys_are_refused():
    with pytest.raises(ValueError):
        take_credentials([(b"x-api-key", b"sk_one"), (b"x-api-key", b"sk_two")], b"sessionid")


def test_the_session_cookie_name_is_configurable():
    headers = [(b"cookie", f"concierge_session={SESSION_KEY}; sessionid=nope".encode())]
    assert take_credentials(headers, b"concierge_session").session == SESSION_KEY
