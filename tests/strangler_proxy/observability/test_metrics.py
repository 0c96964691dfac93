"""Prometheus metrics per route and upstream at /_strangler/metrics, summed over the workers."""

from __future__ import annotations

import re

import requests

from tests.strangler_proxy.conftest import proxy_env, proxy_routes
from tests.strangler_proxy.upstreams.processes import start_proxy
from tests.support.waiting import wait_until


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name` whose labels include `labels` (0 when absent)."""
    for line in text.splitlines():
        match = re.match(r"^(\w+)\{(.*)\} (\S+)$", line)
        if match and match[1] == name:
            found = dict(re.findall(r'(\w+)="([^"]*)"', match[2]))
            if all(found.get(key) == value for key, value in labels.items()):
                return float(match[3])
    return 0.0


def test_requests_errors_and_latencies_are_exposed_per_route_and_upstream_across_workers(echo, raw, tmp_path):
    """Two workers: a scrape lands on one of them but counts the requests both served."""
    proxy = start_proxy(tmp_path, proxy_routes(), WEB_CONCURRENCY="2", **proxy_env(echo, raw))
    try:
        for _ in range(20):
            requests.get(f"{proxy.url}/echo", timeout=10)
        requests.get(f"{proxy.url}/raw/garbage", timeout=10)

        def scraped() -> str:
            text = requests.get(f"{proxy.url}/_strangler/metrics", timeout=10).text
            # Each worker flushes its counts about once a second: wait for both kinds to arrive.
            served = sample(text, "strangler_requests_total", route="default", status="200") >= 20
            failed = sample(text, "strangler_errors_total", route="raw", upstream="raw",
                            error="UPSTREAM_PROTOCOL_ERROR") >= 1
            return text if served and failed else ""

        text = wait_until(scraped, timeout=10, what="every worker's counts in the exposition")
        content_type = requests.get(f"{proxy.url}/_strangler/metrics", timeout=10).headers["content-type"]
    finally:
        proxy.stop()
    assert content_type.startswith("text/plain")
    assert sample(text, "strangler_requests_total", route="default", upstream="echo", status="200") == 20
    assert sample(text, "strangler_errors_total", route="raw", upstream="raw", error="UPSTREAM_PROTOCOL_ERROR") == 1
    assert sample(text, "strangler_request_duration_seconds_count", route="default", upstream="echo") == 20
    assert sample(text, "strangler_upstream_duration_seconds_count", route="default", upstream="echo") == 20
    assert sample(text, "strangler_request_duration_seconds_bucket", route="default", upstream="echo", le="+Inf") == 20
    assert sample(text, "strangler_request_duration_seconds_sum", route="default", upstream="echo") > 0


def test_with_a_metrics_token_only_a_scraper_that_sends_it_reads_the_metrics(echo, raw, tmp_path):
    proxy = start_proxy(tmp_path, proxy_routes(), PROXY_METRICS_TOKEN="scrape-me-0123456789", **proxy_env(echo, raw))
    try:
        url = f"{proxy.url}/_strangler/metrics"
        anonymous = requests.get(url, timeout=10)
        wrong = requests.get(url, headers={"Authorization": "Bearer scrape-me-wrong"}, timeout=10)
        right = requests.get(url, headers={"Authorization": "Bearer scrape-me-0123456789"}, timeout=10)
        health = requests.get(f"{proxy.url}/_strangler/healthz", timeout=10)
    finally:
        proxy.stop()
    for refused in (anonymous, wrong):
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert set(refused.json()) == {"code", "message", "request_id"} and refused.json()["code"] == 401
        assert "PROXY_METRICS_TOKEN" in refused.json()["message"]
        assert "strangler_requests" not in refused.text
    assert right.status_code == 200 and "strangler_requests_total" in right.text
    assert health.status_code == 200  # liveness stays open for the platform's checks


def test_the_metrics_token_s_scheme_is_read_in_any_letter_case(echo, raw, tmp_path):
    """RFC 9110: an authentication scheme is case-insensitive; the token itself is not."""
    proxy = start_proxy(tmp_path, proxy_routes(), PROXY_METRICS_TOKEN="scrape-me-0123456789", **proxy_env(echo, raw))
    try:
        statuses = {authorization: requests.get(f"{proxy.url}/_strangler/metrics", timeout=10,
                                                headers={"Authorization": authorization}).status_code
                    for authorization in ("bearer scrape-me-0123456789", "BEARER scrape-me-0123456789",
                                          "bEaReR  scrape-me-0123456789", "Bearer SCRAPE-ME-0123456789",
                                          "Bearerscrape-me-0123456789", "Basic scrape-me-0123456789")}
    finally:
        proxy.stop()
    assert statuses == {"bearer scrape-me-0123456789": 200, "BEARER scrape-me-0123456789": 200,
                        "bEaReR  scrape-me-0123456789": 200, "Bearer SCRAPE-ME-0123456789": 401,
                        "Bearerscrape-me-0123456789": 401, "Basic scrape-me-0123456789": 401}
