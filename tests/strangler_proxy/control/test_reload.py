"""SIGHUP to the proxy's arbiter reads routes.toml again: a valid file is taken, a broken one is logged
error by error and the running table keeps serving."""

from __future__ import annotations

import signal

import requests

from tests.strangler_proxy.control.test_live_routes import ROUTES
from tests.strangler_proxy.upstreams.processes import Running, start_proxy
from tests.support.waiting import wait_until

MOVED = ROUTES.replace('''id = "items"
prefix = "/items"
upstream = "monolith"''', '''id = "items"
prefix = "/items"
upstream = "orders"''')
BROKEN = ROUTES.replace('upstream = "monolith"\n\n[[routes]]\nid = "default"', 'upstream = "nowhere"\n\n[[routes]]\nid = "default"')


def answered_by_orders(proxy: Running) -> bool:
    response = requests.get(f"{proxy.url}/items", headers={"Connection": "close"}, timeout=10)
    return response.status_code == 200 and response.headers["content-type"] != "application/json"


def test_a_broken_table_on_sighup_keeps_the_running_one_and_a_valid_one_is_taken(echo, raw, tmp_path):
    table = tmp_path / "live-routes.toml"
    table.write_text(ROUTES)
    proxy = start_proxy(tmp_path, ROUTES, ROUTES_FILE=str(table), ECHO_URL=echo.url, RAW_URL=raw.url,
                        WEB_CONCURRENCY="2")
    try:
        table.write_text(BROKEN)
        proxy.process.popen.send_signal(signal.SIGHUP)
        wait_until(lambda: any("upstream 'nowhere'" in line.get("message", "") for line in proxy.lines()),
                   timeout=20, what="the reload's errors in the log")
        assert requests.get(f"{proxy.url}/_strangler/healthz", timeout=10).status_code == 200
        assert not answered_by_orders(proxy)
        assert proxy.process.popen.poll() is None
        table.write_text(MOVED)
        proxy.process.popen.send_signal(signal.SIGHUP)
        wait_until(lambda: all(answered_by_orders(proxy) for _ in range(10)), timeout=30,
                   what="every new worker to serve the reloaded table")
    finally:
        proxy.stop()
