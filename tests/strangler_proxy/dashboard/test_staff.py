"""Staff of the real monolith at the dashboard: the caller is resolved by the proxy's identity stage from
the monolith's session cookie, as for any request, and the monolith's identity answer says whether they
are staff. A signed-in customer is refused; a staff user gets in and changes routes under their name.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import pytest
import requests

from chassis.identity import SESSION, identity_cache_key
from strangler_proxy.control.store import AUDIT_KEY
from tests.strangler_proxy.dashboard.conftest import ADMIN_TOKEN, csrf_of
from tests.strangler_proxy.upstreams.processes import SIGNING_KEY, Running, running_monolith, start_proxy

ROUTES = """
[upstreams.monolith]
url_env = "MONOLITH_URL"

[upstreams.service]
url_env = "MONOLITH_URL"

[[routes]]
id = "default"
prefix = "/"
upstream = "monolith"
"""
PASSWORD = "Compiler-1952!"
STAFF = "ops"


@pytest.fixture(scope="module")
def monolith(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The monolith on a database of its own, with one staff user (made as an operator would)."""
    superuser = {"DJANGO_SUPERUSER_USERNAME": STAFF, "DJANGO_SUPERUSER_EMAIL": "ops@example.com",
                 "DJANGO_SUPERUSER_PASSWORD": PASSWORD}
    with running_monolith(tmp_path_factory.mktemp("monolith"), IDENTITY_SIGNING_KEYS=SIGNING_KEY,
                          commands=[(["createsuperuser", "--noinput"], superuser)]) as running:
        yield running


@pytest.fixture(scope="module")
def proxy(monolith: Running, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = start_proxy(tmp_path_factory.mktemp("proxy"), ROUTES, MONOLITH_URL=monolith.url,
                          PROXY_ADMIN_TOKEN=ADMIN_TOKEN)
    yield running
    running.stop()


def _form_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]


def signed_up(proxy: Running) -> tuple[requests.Session, str]:
    browser, name = requests.Session(), f"shopper-{uuid.uuid4().hex[:8]}"
    page = browser.get(f"{proxy.url}/accounts/signup/", timeout=10)
    done = browser.post(f"{proxy.url}/accounts/signup/", timeout=10, data={
        "username": name, "email": f"{name}@example.com", "password1": PASSWORD, "password2": PASSWORD,
        "csrfmiddlewaretoken": _form_token(page.text)})
    assert done.status_code == 200 and name in done.text, done.text[:500]
    return browser, name


def logged_in(proxy: Running, username: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{proxy.url}/accounts/login/", timeout=10)
    done = browser.post(f"{proxy.url}/accounts/login/", timeout=10, data={
        "username": username, "password": PASSWORD, "csrfmiddlewaretoken": _form_token(page.text)})
    assert done.status_code == 200 and username in done.text, done.text[:500]
    return browser


def test_a_signed_in_customer_is_refused(proxy, redis_client):
    browser, name = signed_up(proxy)
    refused = browser.get(f"{proxy.url}/_strangler/", headers={"Accept": "text/html"}, timeout=10)
    assert refused.status_code == 401 and "Staff only" in refused.text
    # Refused as who they are: the identity stage asked the monolith and cached the answer.
    session = identity_cache_key(SESSION, browser.cookies["sessionid"])
    assert json.loads(redis_client.get(session))["username"] == name
    change = browser.post(f"{proxy.url}/_strangler/change", data={"action": "rollback", "route": "default",
                                                                  "reason": "x"}, timeout=10)
    assert change.status_code == 401


def test_a_staff_user_gets_in_and_changes_routes_under_their_name(proxy, redis_client):
    browser = logged_in(proxy, STAFF)
    page = browser.get(f"{proxy.url}/_strangler/", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and f"signed in as <b>{STAFF}</b>" in page.text
    form = {"action": "shadow", "route": "default", "candidate": "service", "reason": "try the copy"}
    assert browser.post(f"{proxy.url}/_strangler/change", data=form, timeout=10).status_code == 403  # no CSRF token
    done = browser.post(f"{proxy.url}/_strangler/change", data={**form, "csrf": csrf_of(page.text)}, timeout=10)
    assert done.status_code == 200
    latest = json.loads(redis_client.lindex(AUDIT_KEY, 0))
    assert (latest["action"], latest["by"], latest["reason"]) == ("shadow", STAFF, "try the copy")
