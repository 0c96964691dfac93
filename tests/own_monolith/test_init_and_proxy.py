"""Someone else's monolith (tests/own_monolith/fixture_shop, a small shop that knows nothing of the kit)
behind the proxy in three commands: `strangler init` finds its URL prefixes and writes what the proxy
needs, `strangler proxy` runs it, and pages, log-in, a CSRF-protected form, log-out and the admin answer
through the proxy as they do directly."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.processes import ManagedProcess, process_env
from tests.support.waiting import free_port

SHOP = Path(__file__).resolve().parent / "fixture_shop"
BIN = Path(sys.executable).parent


def shop_env(tmp_path: Path) -> dict[str, str]:
    return process_env(SITE_SECRET_KEY="fixture-shop-" + "k" * 40, SITE_DATABASE=str(tmp_path / "shop.sqlite3"),
                       PYTHONPATH=str(SHOP))


def manage(tmp_path: Path, *arguments: str) -> None:
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=SHOP, env=shop_env(tmp_path), check=True,
                   capture_output=True, timeout=120)


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[str]:
    """The shop served by gunicorn on its own, with a superuser, a shopper and two items."""
    manage(tmp_path, "migrate", "-v", "0")
    manage(tmp_path, "shell", "-c", (
        "from django.contrib.auth.models import User; from shop.models import Shelf, Item;"
        "User.objects.create_superuser('root', 'r@example.com', 'root-pass-123');"
        "User.objects.create_user('ada', 'a@example.com', 'ada-pass-123');"
        "s = Shelf.objects.create(name='tea'); Item.objects.create(shelf=s, name='green');"
        "Item.objects.create(shelf=s, name='black')"))
    port = free_port()
    process = ManagedProcess([str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--chdir", str(SHOP),
                              "site_config.wsgi"], shop_env(tmp_path))
    url = f"http://127.0.0.1:{port}"
    process.wait_for_http(f"{url}/")
    yield url
    process.stop()


def strangler(*arguments: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "strangler"), *arguments], cwd=cwd, env=env or process_env(),
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def proxied(shop: str, tmp_path: Path) -> Iterator[str]:
    """The proxy in front of the shop, set up the way the README says."""
    made = strangler("init", "--monolith-url", shop, "--django-settings", "site_config.settings", "--project-dir",
                     str(SHOP), cwd=tmp_path, env=shop_env(tmp_path))
    assert made.returncode == 0, made.stderr
    assert "next: strangler proxy --env-file strangler.env" in made.stdout
    port = free_port()
    env = process_env(PORT=str(port), REDIS_URL=os.environ["REDIS_URL"], PYTHONPATH="")
    process = ManagedProcess([str(BIN / "strangler"), "proxy", "--env-file", str(tmp_path / "strangler.env")], env)
    url = f"http://127.0.0.1:{port}"
    process.wait_for_http(f"{url}/_strangler/healthz")
    yield url
    process.stop()


def test_init_writes_a_route_per_url_prefix_and_an_env_file_with_only_what_the_proxy_needs(shop, tmp_path):
    made = strangler("init", "--monolith-url", shop, "--django-settings", "site_config.settings",
                     "--project-dir", str(SHOP), cwd=tmp_path, env=shop_env(tmp_path))
    assert made.returncode == 0, made.stderr
    routes = (tmp_path / "routes.toml").read_text()
    assert re.findall(r'# prefix = "([^"]+)"', routes) == ["/accounts/", "/admin/", "/basket/", "/shelves/"]
    assert 'identity = "off"' in routes
    names = [line.split("=")[0] for line in (tmp_path / "strangler.env").read_text().splitlines()
             if line and not line.startswith("#")]
    assert names == ["PORT", "MONOLITH_URL", "ROUTES_FILE", "REDIS_URL", "ENVIRONMENT", "IDENTITY_SIGNING_KEYS",
                     "PROXY_ADMIN_TOKEN", "WEB_CONCURRENCY"]
    again = strangler("init", "--monolith-url", shop, cwd=tmp_path)
    assert again.returncode == 1 and "pass --force" in again.stderr


def visit(base: str) -> list[tuple[int, str]]:
    """A visitor's round: pages, log-in, the basket form twice, log-out; each answer's status and text with
    the CSRF tokens (different on every form) taken out."""
    seen = []
    with requests.Session() as session:
        session.headers["Accept"] = "text/html,application/xhtml+xml,*/*;q=0.8"  # a browser's

        def keep(response: requests.Response) -> requests.Response:
            seen.append((response.status_code, re.sub(r'value="[A-Za-z0-9]{32,}"', "", response.text)))
            return response

        keep(session.get(f"{base}/", timeout=10))
        keep(session.get(f"{base}/shelves/", timeout=10))
        keep(session.get(f"{base}/basket/", timeout=10))  # to the log-in page
        login = keep(session.get(f"{base}/accounts/login/", timeout=10))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)[1]
        keep(session.post(f"{base}/accounts/login/", data={"username": "ada", "password": "ada-pass-123",
                                                          "csrfmiddlewaretoken": token}, timeout=10))
        for _ in range(2):
            form = keep(session.get(f"{base}/basket/", timeout=10))
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)[1]
            keep(session.post(f"{base}/basket/", data={"item": "1", "csrfmiddlewaretoken": token}, timeout=10))
        keep(session.post(f"{base}/accounts/logout/", data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
                          headers={"Referer": f"{base}/"}, timeout=10))
        keep(session.get(f"{base}/", timeout=10))
    return seen


def test_a_visitor_gets_the_same_answers_through_the_proxy_as_directly(shop, proxied):
    """The same round twice on one database, directly then through the proxy: the basket has grown by the
    first round's two lines, and everything else is answered alike."""
    direct, through = visit(shop), visit(proxied)
    # Each POST redirects back to the form, which counts again.
    assert [count(text) for _, text in direct if count(text) is not None] == [0, 1, 1, 2]
    assert [count(text) for _, text in through if count(text) is not None] == [2, 3, 3, 4]
    assert [(status, BASKET.sub("N in", text)) for status, text in through] == [
        (status, BASKET.sub("N in", text)) for status, text in direct]
    assert through[-1] == (200, "<h1>Hello, stranger</h1>")


BASKET = re.compile(r"\d+ in(?= your basket)")


def count(text: str) -> int | None:
    found = re.search(r"(\d+) in your basket", text)
    return int(found[1]) if found else None


def test_an_admin_edit_through_the_proxy_is_made(shop, proxied):
    with requests.Session() as session:
        login = session.get(f"{proxied}/admin/login/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)[1]
        session.post(f"{proxied}/admin/login/?next=/admin/", data={
            "username": "root", "password": "root-pass-123", "csrfmiddlewaretoken": token, "next": "/admin/"},
            timeout=10)
        page = session.get(f"{proxied}/admin/shop/shelf/1/change/", timeout=10)
        assert page.status_code == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
        saved = session.post(f"{proxied}/admin/shop/shelf/1/change/", data={
            "name": "herbal", "csrfmiddlewaretoken": token, "_save": "Save"}, timeout=10, allow_redirects=False)
        assert saved.status_code == 302
    assert requests.get(f"{shop}/shelves/", timeout=10).text == "herbal: 2"
