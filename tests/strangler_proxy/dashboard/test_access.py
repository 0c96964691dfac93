"""Who may open the dashboard: holders of PROXY_ADMIN_TOKEN (as a bearer token, or a browser's cookie
after ?token= once); anyone else gets 401, a page for a browser and the JSON Error for anything else."""

from __future__ import annotations

import requests

from tests.strangler_proxy.dashboard.conftest import ADMIN_TOKEN, ROUTES, signed_in
from tests.strangler_proxy.upstreams.processes import start_proxy

PAGE = "/_strangler/"


def test_a_browser_without_credentials_gets_a_401_page(proxy):
    response = requests.get(proxy.url + PAGE, headers={"Accept": "text/html,application/xhtml+xml"}, timeout=10)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert "Staff only" in response.text and "?token=" in response.text
    assert ADMIN_TOKEN not in response.text


def test_an_api_client_without_credentials_gets_the_json_error(proxy):
    response = requests.get(proxy.url + PAGE, headers={"Accept": "application/json"}, timeout=10)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert set(body) == {"code", "message", "request_id"} and body["code"] == 401
    assert body["request_id"] == response.headers["x-request-id"]


def test_the_admin_token_opens_the_page_whatever_the_scheme_s_letter_case(proxy):
    for scheme in ("Bearer", "bearer", "BEARER"):
        response = requests.get(proxy.url + PAGE, headers={"Authorization": f"{scheme} {ADMIN_TOKEN}"}, timeout=10)
        assert response.status_code == 200, scheme
        assert "<h2>Routes" in response.text and "signed in as <b>admin-token</b>" in response.text


def test_a_wrong_token_is_refused(proxy):
    for authorization in (f"Bearer {ADMIN_TOKEN}x", f"Bearer {ADMIN_TOKEN[:-1]}", "Bearer", f"Basic {ADMIN_TOKEN}"):
        response = requests.get(proxy.url + PAGE, headers={"Authorization": authorization}, timeout=10)
        assert response.status_code == 401, authorization
    assert requests.get(f"{proxy.url}{PAGE}?token=guess", timeout=10).status_code == 401


def test_token_once_in_the_address_leaves_a_strict_http_only_cookie_and_an_address_without_it(proxy):
    opened = requests.get(f"{proxy.url}{PAGE}?token={ADMIN_TOKEN}", allow_redirects=False, timeout=10)
    assert opened.status_code == 303 and opened.headers["location"] == PAGE
    cookie = opened.headers["set-cookie"]
    assert cookie.startswith("strangler_admin=") and ADMIN_TOKEN not in cookie
    assert {"HttpOnly", "SameSite=Strict", "Path=/_strangler/", "Max-Age=28800"} <= {
        part.strip() for part in cookie.split(";")}
    assert opened.headers["referrer-policy"] == "no-referrer"
    page = signed_in(proxy).get(proxy.url + PAGE, timeout=10)
    assert page.status_code == 200 and "signed in as <b>admin-token</b>" in page.text


def test_a_forged_or_expired_admin_cookie_is_refused(proxy):
    value = signed_in(proxy).cookies["strangler_admin"]
    expires, session, mac = value.split(".")
    for forged in (f"{int(expires) + 3600}.{session}.{mac}", f"{expires}.{session[::-1]}.{mac}",
                   f"{expires}.{session}.{'0' * len(mac)}", f"100.{session}.{mac}", f"{expires}.{mac}", "garbage"):
        response = requests.get(proxy.url + PAGE, cookies={"strangler_admin": forged}, timeout=10)
        assert response.status_code == 401, forged


def test_the_page_keeps_its_scripts_and_frames_to_itself(proxy):
    response = requests.get(proxy.url + PAGE, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["cache-control"] == "no-store" and response.headers["x-frame-options"] == "DENY"
    style = requests.get(proxy.url + "/_strangler/dashboard.css", timeout=10)
    script = requests.get(proxy.url + "/_strangler/dashboard.js", timeout=10)
    assert style.status_code == script.status_code == 200
    assert style.headers["content-type"].startswith("text/css") and "confirm" in script.text


def test_without_an_admin_token_set_no_token_opens_the_dashboard(table_env, tmp_path):
    """A proxy started with PROXY_ADMIN_TOKEN empty: only staff could get in."""
    proxy = start_proxy(tmp_path, ROUTES, PROXY_ADMIN_TOKEN="", **table_env)
    try:
        for authorization in ("Bearer ", "Bearer None", f"Bearer {ADMIN_TOKEN}"):
            response = requests.get(proxy.url + PAGE, headers={"Authorization": authorization}, timeout=10)
            assert response.status_code == 401, authorization
        assert requests.get(f"{proxy.url}{PAGE}?token=", timeout=10).status_code == 401
    finally:
        proxy.stop()
