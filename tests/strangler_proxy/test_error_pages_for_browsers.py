"""Errors the proxy makes are a page for a browser and the contract's JSON Error for an API client."""

from __future__ import annotations

import requests

from tests.strangler_proxy.conftest import proxy_env, proxy_routes
from tests.strangler_proxy.upstreams.processes import start_proxy

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_gets_an_html_page_and_an_api_client_json_for_the_same_refusal(proxy):
    page = requests.get(f"{proxy.url}/internal/identity", headers={"Accept": BROWSER}, timeout=10)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Not Found</h1>" in page.text and page.headers["x-request-id"] in page.text
    data = requests.get(f"{proxy.url}/internal/identity", headers={"Accept": "application/json"}, timeout=10)
    assert data.status_code == 404 and data.json()["code"] == 404


def test_over_the_limit_a_browser_gets_an_html_429_and_an_api_client_json(echo, raw, tmp_path):
    routes = 'default_anonymous_plan = "tight"\n' + proxy_routes() + '\n[plans]\ntight = { rate = 0.01, burst = 1 }\n'
    proxy = start_proxy(tmp_path, routes, LIMITS_LEASE_MAX="1", **proxy_env(echo, raw))
    try:
        assert requests.get(f"{proxy.url}/echo", timeout=10).status_code == 200
        page = requests.get(f"{proxy.url}/echo", headers={"Accept": BROWSER}, timeout=10)
        data = requests.get(f"{proxy.url}/echo", headers={"Accept": "application/json"}, timeout=10)
    finally:
        proxy.stop()
    assert page.status_code == 429 and page.headers["content-type"].startswith("text/html")
    assert "Too many requests" in page.text and page.headers["retry-after"]
    assert data.status_code == 429 and data.json()["code"] == 429
