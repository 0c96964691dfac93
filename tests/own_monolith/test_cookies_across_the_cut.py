"""A route moved to a second copy of the shop with its own database (the kit's own rule for services)
must not log the user out of the first: that copy never receives the monolith's session cookie, and may
not set or delete it."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.own_monolith.test_init_and_proxy import BIN, SHOP, manage, shop_env, strangler
from tests.support.processes import ManagedProcess, process_env
from tests.support.waiting import free_port

MOVED_ROUTE = """
[upstreams.moved]
url_env = "MOVED_URL"
health_path = "/"

[[routes]]
id = "basket"
prefix = "/basket/"
upstream = "moved"
"""


def serve_shop(database: Path) -> tuple[ManagedProcess, str]:
    env = shop_env(database.parent)
    env["SITE_DATABASE"] = str(database)
    port = free_port()
    process = ManagedProcess([str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--chdir", str(SHOP),
                              "site_config.wsgi"], env)
    process.wait_for_http(f"http://127.0.0.1:{port}/")
    return process, f"http://127.0.0.1:{port}"


@pytest.fixture
def proxy_with_basket_moved(tmp_path: Path) -> Iterator[str]:
    manage(tmp_path, "migrate", "-v", "0")
    manage(tmp_path, "shell", "-c", "from django.contrib.auth.models import User;"
                                    "User.objects.create_user('ada', 'a@example.com', 'ada-pass-123')")
    moved_db = tmp_path / "moved" / "shop.sqlite3"
    moved_db.parent.mkdir()
    monolith, monolith_url = serve_shop(tmp_path / "shop.sqlite3")
    moved_env = {**shop_env(moved_db.parent), "SITE_DATABASE": str(moved_db)}
    subprocess.run([str(BIN / "python"), "manage.py", "migrate", "-v", "0"], cwd=SHOP, env=moved_env, check=True)
    moved, moved_url = serve_shop(moved_db)
    assert strangler("init", "--monolith-url", monolith_url, cwd=tmp_path).returncode == 0
    routes = tmp_path / "routes.toml"
    text = routes.read_text()
    routes.write_text(text.replace("# Everything else: the monolith.", MOVED_ROUTE + "\n# Everything else: the monolith."))
    port = free_port()
    proxy = ManagedProcess([str(BIN / "strangler"), "proxy", "--env-file", str(tmp_path / "strangler.env")],
                           process_env(PORT=str(port), REDIS_URL=os.environ["REDIS_URL"], MOVED_URL=moved_url))
    url = f"http://127.0.0.1:{port}"
    proxy.wait_for_http(f"{url}/_strangler/healthz")
    yield url
    for process in (proxy, moved, monolith):
        process.stop()


def test_visiting_a_moved_route_no_longer_logs_the_user_out(proxy_with_basket_moved):
    base = proxy_with_basket_moved
    with requests.Session() as session:
        session.headers["Accept"] = "text/html,*/*;q=0.8"
        login = session.get(f"{base}/accounts/login/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)[1]
        session.post(f"{base}/accounts/login/", data={"username": "ada", "password": "ada-pass-123",
                                                     "csrfmiddlewaretoken": token}, timeout=10)
        assert session.get(f"{base}/", timeout=10).text == "<h1>Hello, ada</h1>"
        moved = session.get(f"{base}/basket/", timeout=10, allow_redirects=False)
        # The copy knows no one: it asks for a log-in, but never saw (so never deleted) the monolith's session.
        assert moved.status_code == 302 and "sessionid" not in moved.headers.get("set-cookie", "")
        assert session.get(f"{base}/", timeout=10).text == "<h1>Hello, ada</h1>"
