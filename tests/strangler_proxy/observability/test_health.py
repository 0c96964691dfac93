"""/_strangler/healthz answers from memory; /_strangler/readyz checks every upstream and Redis."""

from __future__ import annotations

import requests

from tests.strangler_proxy.conftest import proxy_env
from tests.strangler_proxy.upstreams.processes import start_proxy
from tests.support.waiting import free_port

TWO_UPSTREAMS = """
[upstreams.echo]
url_env = "ECHO_URL"

[upstreams.catalog]
url_env = "CATALOG_URL"

[[routes]]
id = "catalog"
prefix = "/v1/products"
upstream = "catalog"

[[routes]]
id = "default"
prefix = "/"
upstream = "echo"
"""


def test_healthz_answers_ok(proxy):
    response = requests.get(f"{proxy.url}/_strangler/healthz", timeout=10)
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_ok_when_every_upstream_and_redis_answer(proxy):
    response = requests.get(f"{proxy.url}/_strangler/readyz", timeout=10)
    assert response.status_code == 200
    assert response.json()["checks"] == {"echo": "ok", "raw": "ok", "redis": "ok"}


def test_readyz_names_an_upstream_that_does_not_answer(echo, raw, tmp_path):
    """The catalog upstream's port has nothing listening."""
    proxy = start_proxy(tmp_path, TWO_UPSTREAMS, CATALOG_URL=f"http://127.0.0.1:{free_port()}",
                        **proxy_env(echo, raw))
    try:
        response = requests.get(f"{proxy.url}/_strangler/readyz", timeout=10)
    finally:
        proxy.stop()
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == 503 and body["message"] == "not ready: catalog" and body["request_id"]
    assert body["checks"]["catalog"] == "failed: CONNECT_FAILED" and body["checks"]["echo"] == "ok"


def test_readyz_names_redis_when_it_does_not_answer(echo, raw, tmp_path):
    proxy = start_proxy(tmp_path, TWO_UPSTREAMS, CATALOG_URL=echo.url, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                        **proxy_env(echo, raw))
    try:
        response = requests.get(f"{proxy.url}/_strangler/readyz", timeout=10)
    finally:
        proxy.stop()
    assert response.status_code == 503 and response.json()["message"] == "not ready: redis"


def test_an_unknown_page_under_the_proxy_s_prefix_is_a_json_404(proxy):
    response = requests.get(f"{proxy.url}/_strangler/nothing-here", timeout=10)
    assert response.status_code == 404 and response.json()["code"] == 404
