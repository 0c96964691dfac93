"""`strangler inventory` on the kit's own monolith: each URL pattern, the route that catches it, the progress."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from strangler_proxy.configuration.loader import load_route_table
from strangler_proxy.dashboard.progress import literal_prefix, place
from tests.strangler_proxy.control.support import strangler

ROOT = Path(__file__).resolve().parents[3]
URLS = {"MONOLITH_URL": "http://127.0.0.1:8000", "CHECKOUT_URL": "http://127.0.0.1:8001",
        "CATALOG_UPSTREAM_URL": "http://127.0.0.1:8002"}
TABLE = ROOT / "strangler_proxy" / "routes.toml"


def inventory(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`strangler inventory ...` from the kit's root, with the test run's Redis and no settings module set."""
    env = {key: value for key, value in os.environ.items() if key not in ("ROUTES_FILE", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run([sys.executable, "-m", "strangler_proxy.cli", "inventory", *arguments],
                          env={**env, **URLS}, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def report() -> dict:
    done = inventory("--django-settings", "tests.settings", "--project-dir", str(ROOT), "--routes", str(TABLE),
                     "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _placed(report: dict) -> dict[str, dict]:
    return {entry["pattern"]: entry for entry in report["patterns"]}


def test_the_checkout_routes_patterns_go_to_the_checkout_service(report):
    placed = _placed(report)
    assert (placed["/v1/checkout"]["route"], placed["/v1/checkout"]["primary"]) == ("checkout", "checkout")
    for pattern in ("/v1/orders", "/v1/orders/<uuid:order_id>"):
        assert (placed[pattern]["route"], placed[pattern]["primary"]) == ("orders", "checkout")
    assert placed["/v1/orders/<uuid:order_id>"]["view"] == "monolith.orders.apis.OrderDetailApi"


def test_patterns_no_route_names_fall_to_the_monolith_catch_all(report):
    placed = _placed(report)
    assert (placed["/internal/identity"]["route"], placed["/internal/identity"]["primary"]) == ("default", "monolith")
    assert placed["/accounts/login/"]["route"] == "accounts"


def test_the_progress_is_the_share_of_patterns_served_beside_the_monolith(report):
    moved = [entry for entry in report["patterns"] if entry["primary"] != "monolith"]
    assert report["moved"] == len(moved) >= 3
    assert report["total"] == len(report["patterns"])
    assert report["share_moved"] == round(len(moved) / len(report["patterns"]), 4)


def test_the_table_form_ends_with_the_progress_line():
    done = inventory("--django-settings", "tests.settings", "--routes", str(TABLE))
    assert done.returncode == 0, done.stderr
    assert "/v1/orders/<uuid:order_id>" in done.stdout
    assert "URL patterns (" in done.stdout.strip().splitlines()[-1]


def test_without_settings_it_says_what_to_give():
    done = inventory("--routes", str(TABLE))
    assert done.returncode == 2
    assert "--django-settings" in done.stderr


def test_a_project_without_the_app_fails_with_the_commands_own_error(tmp_path):
    (tmp_path / "bare_settings.py").write_text("SECRET_KEY = 'x'\nINSTALLED_APPS = []\nROOT_URLCONF = []\n")
    done = inventory("--django-settings", "bare_settings", "--project-dir", str(tmp_path), "--routes", str(TABLE))
    assert done.returncode == 1
    assert "strangler_django" in done.stderr


@pytest.mark.parametrize(("pattern", "literal"), [("/v1/orders/<uuid:pk>", "/v1/orders/"),
                                                 ("/catalog/(?P<id>[0-9]+)", "/catalog/"),
                                                 ("/<slug:page>", "/"), ("/healthz", "/healthz")])
def test_a_pattern_is_matched_by_its_literal_part(pattern, literal):
    assert literal_prefix(pattern) == literal


def test_a_route_filtered_by_method_still_catches_its_patterns():
    """The orders route serves GET only and is exclusive: its patterns are its, whatever the method."""
    table = load_route_table(TABLE, URLS)
    [placement] = place([{"pattern": "/v1/orders", "name": "order-list", "view": "v"}], table)
    assert placement.route.id == "orders" and placement.moved


def test_a_live_canary_shows_as_the_routes_candidate(tmp_path, redis_client):
    """The products route is in canary to the checkout service in the Redis the proxy reads."""
    table = tmp_path / "routes.toml"
    table.write_text(TABLE.read_text())
    env = {"ROUTES_FILE": str(table), **URLS}
    canaried = strangler(env, "canary", "products", "--candidate", "checkout", "--percent", "10")
    assert canaried.returncode == 0, canaried.stderr
    try:
        done = inventory("--django-settings", "tests.settings", "--routes", str(table), "--json")
    finally:
        redis_client.hdel("strangler:routes:state", "products")
    placed = _placed(json.loads(done.stdout))["/v1/products"]
    assert (placed["primary"], placed["candidate"], placed["mode"]) == ("monolith", "checkout", "canary")
