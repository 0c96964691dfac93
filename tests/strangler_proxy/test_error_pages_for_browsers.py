"""Errors the proxy makes are a page for a browser and the contract's JSON Error for an API client."""

from __future__ import annotations

import requests

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_gets_an_html_page_and_an_api_client_json_for_the_same_refusal(proxy):
    page = requests.get(f"{proxy.url}/internal/identity", headers={"Accept": BROWSER}, timeout=10)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Not Found</h1>" in page.text and page.headers["x-request-id"] in page.text
    data = requests.get(f"{proxy.url}/internal/identity", headers={"Accept": "application/json"}, timeout=10)
    assert data.status_code == 404 and data.json()["code"] == 404
