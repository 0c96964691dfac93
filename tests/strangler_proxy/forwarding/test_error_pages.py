"""An upstream's HTML error page reaches a browser as it is, and an API client as the contract's JSON Error."""

from __future__ import annotations

import pytest
import requests


@pytest.mark.parametrize("path, status", [("/raw/html-error", 502), ("/echo?x", 400)])
def test_an_api_client_gets_an_upstream_s_html_error_page_as_the_json_error(path, status, proxy):
    # The echo upstream's Django refuses a Host outside ALLOWED_HOSTS with its HTML 400 page.
    response = requests.get(f"{proxy.url}{path}", headers={"Host": "evil.example", "Accept": "application/json"},
                            timeout=10)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["code"] == status and str(status) in body["message"] and body["request_id"]


def test_a_browser_gets_the_upstream_s_html_error_page(proxy):
    response = requests.get(f"{proxy.url}/raw/html-error", headers={"Accept": "text/html,*/*;q=0.8"}, timeout=10)
    assert response.status_code == 502 and "<h1>Bad Gateway</h1>" in response.text


def test_the_connection_after_a_replaced_error_page_serves_the_next_request(proxy):
    with requests.Session() as session:
        for _ in range(3):
            assert session.get(f"{proxy.url}/raw/html-error", timeout=10).status_code == 502
            assert session.get(f"{proxy.url}/raw/ok", timeout=10).text == "ok"
