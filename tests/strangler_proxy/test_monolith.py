"""The real monolith behind the proxy: sign-up, log-in, log-out, CSRF and redirects behave exactly as
when the monolith is reached directly."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from tests.strangler_proxy.upstreams.processes import Running, running_monolith, start_proxy

MONOLITH_ROUTES = """
[upstreams.monolith]
url_env = "MONOLITH_URL"

[[routes]]
id = "accounts"
prefix = "/accounts/"
upstream = "monolith"

[[routes]]
id = "default"
prefix = "/"
upstream = "monolith"
"""
PASSWORD = "Compiler-1952!"


@pytest.fixture(scope="module")
def monolith(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with running_monolith(tmp_path_factory.mktemp("monolith")) as running:
        yield running


@pytest.fixture(scope="module")
def proxy(monolith: Running, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start_proxy(tmp_path_factory.mktemp("proxy"), MONOLITH_ROUTES, MONOLITH_URL=monolith.url)
    yield running
    running.stop()


def csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]


def step(response: requests.Response) -> tuple:
    """What a browser would act on: status, where it is sent, which cookies are set (and how)."""
    cookies = sorted(re.sub(r"=[^;]*", "", cookie).replace(" ", "").lower().split(";")[0]
                     + ("; httponly" if "httponly" in cookie.lower() else "")
                     for cookie in response.raw.headers.getlist("Set-Cookie"))
    return response.status_code, response.headers.get("Location"), cookies


def walk(base: str, username: str) -> list[tuple]:
    """Sign up, chat page, log out, log in (with a redirect target), log out, and a POST without CSRF."""
    browser = requests.Session()

    def get(path: str) -> requests.Response:
        return browser.get(base + path, allow_redirects=False, timeout=10)

    def post(path: str, data: dict[str, str]) -> requests.Response:
        return browser.post(base + path, data=data, allow_redirects=False, timeout=10)

    transcript = []
    page = get("/accounts/signup/")
    transcript.append(step(page))
    signed_up = post("/accounts/signup/", {"username": username, "email": f"{username}@example.com",
                                           "password1": PASSWORD, "password2": PASSWORD,
                                           "csrfmiddlewaretoken": csrf_token(page.text)})
    transcript.append(step(signed_up))
    chat = get("/")
    transcript.append((*step(chat), username in chat.text))
    transcript.append(step(post("/accounts/logout/", {"csrfmiddlewaretoken": browser.cookies["csrftoken"]})))
    transcript.append((*step(get("/")), username in get("/").text))
    login_page = get("/accounts/login/?next=/v1/orders")
    transcript.append(step(login_page))
    logged_in = post("/accounts/login/?next=/v1/orders", {"username": username, "password": PASSWORD,
                                                         "csrfmiddlewaretoken": csrf_token(login_page.text)})
    transcript.append(step(logged_in))
    transcript.append(step(get("/accounts/login/")))  # already signed in: redirected away
    transcript.append(step(post("/accounts/logout/", {"csrfmiddlewaretoken": browser.cookies["csrftoken"]})))
    forged = requests.post(base + "/accounts/login/", data={"username": username, "password": PASSWORD},
                           allow_redirects=False, timeout=10)
    transcript.append((forged.status_code, forged.headers.get("Location")))
    return transcript


def test_sign_up_log_in_log_out_and_csrf_behave_through_the_proxy_as_they_do_directly(monolith, proxy):
    direct = walk(monolith.url, "grace")
    proxied = walk(proxy.url, "ada")
    assert proxied == direct
    assert direct[1][0] == 302 and direct[2][-1] is True  # signed up and greeted by name
    assert direct[6][:2] == (302, "/v1/orders")  # the login redirect honours ?next=
    assert direct[-1][0] == 403  # no CSRF token: refused by the monolith, through the proxy too


def test_the_chat_page_is_the_same_through_the_proxy(monolith, proxy):
    direct = requests.get(monolith.url + "/", timeout=10)
    proxied = requests.get(proxy.url + "/", timeout=10)
    token = re.compile(r'value="[^"]+"|csrftoken=[^;]+')
    assert proxied.status_code == direct.status_code == 200
    assert token.sub("", proxied.text) == token.sub("", direct.text)
    assert "csrftoken" in proxied.cookies
