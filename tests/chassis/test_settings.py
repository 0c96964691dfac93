"""Every Django deployable's settings, seen in its answers: production-safe when ENVIRONMENT is unset,
plain HTTP on the loopback names in development.

Each deployable runs in a process of its own (its settings module is read once, from the environment
given), where Django's test client sends requests through its whole middleware stack: no server, and no
database (the pages asked for read none).
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from typing import Any

import pytest

from tests.support.processes import ROOT, process_env

# settings module: (the service its log lines name, an admin page that sets the CSRF cookie)
DEPLOYABLES = {
    "monolith.concierge.settings": ("monolith", "/admin/login/"),
    "extracted.checkout.settings": ("checkout", "/admin/checkout/login/"),
    "extracted.notifications.settings": ("notifications", "/admin/notifications/login/"),
}
SHOP = "shop.example.com"
ANSWERS = "answers: "
ASK = """
import json, os, sys

os.environ["DJANGO_SETTINGS_MODULE"] = sys.argv[1]
import django

django.setup()
from django.test import Client

host, page = sys.argv[2], sys.argv[3]
client, https = Client(HTTP_HOST=host), {"X-Forwarded-Proto": "https"}


def seen(response):
    return {"status": response.status_code, "location": response.get("Location"),
            "hsts": response.get("Strict-Transport-Security"), "nosniff": response.get("X-Content-Type-Options"),
            "frame": response.get("X-Frame-Options"), "debug_page": b"URLconf" in response.content,
            "cookies": {name: bool(morsel["secure"]) for name, morsel in response.cookies.items()}}


print("answers: " + json.dumps({
    "page": seen(client.get(page)),
    "healthz": seen(client.get("/healthz")),
    "readyz": seen(client.get("/readyz")),
    "page over https": seen(client.get(page, headers=https)),
    "missing page over https": seen(client.get("/no-such-page/", headers=https)),
    "another host": seen(client.get("/healthz", HTTP_HOST="elsewhere.example.com")),
}), flush=True)
"""


@functools.cache
def _ask(module: str, host: str, env: tuple[tuple[str, str], ...]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The deployable's answers to ASK's requests for Host `host`, and the JSON lines it logged meanwhile."""
    given = dict(env)
    environment = process_env(CATALOG_URL="http://127.0.0.1:1", **given)
    for name in ("ENVIRONMENT", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "ALLOWED_HOSTS", "DEBUG"):
        if name not in given:
            environment.pop(name, None)
    result = subprocess.run([sys.executable, "-c", ASK, module, host, DEPLOYABLES[module][1]], env=environment,
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    answers = json.loads(next(line for line in lines if line.startswith(ANSWERS)).removeprefix(ANSWERS))
    return answers, [json.loads(line) for line in lines if line.startswith("{")]


def in_production(module: str) -> dict[str, Any]:
    """ENVIRONMENT unset, as a platform that sets only ALLOWED_HOSTS would start it."""
    return _ask(module, SHOP, (("ALLOWED_HOSTS", SHOP),))[0]


def in_development(module: str, host: str) -> dict[str, Any]:
    return _ask(module, host, (("ENVIRONMENT", "development"),))[0]


@pytest.mark.parametrize("module", DEPLOYABLES)
def test_in_production_plain_http_is_redirected_to_https_but_health_probes_are_not(module):
    answers = in_production(module)
    page = DEPLOYABLES[module][1]
    assert (answers["page"]["status"], answers["page"]["location"]) == (301, f"https://{SHOP}{page}")
    assert answers["healthz"]["status"] == 200
    assert answers["readyz"]["status"] != 301  # 503 here, with no database or Redis: but answered over HTTP


@pytest.mark.parametrize("module", DEPLOYABLES)
def test_in_production_https_answers_carry_hsts_and_set_only_secure_cookies(module):
    answer = in_production(module)["page over https"]
    assert answer["status"] == 200
    assert answer["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert (answer["nosniff"], answer["frame"]) == ("nosniff", "DENY")
    assert answer["cookies"] and all(answer["cookies"].values()), answer["cookies"]


@pytest.mark.parametrize("module", DEPLOYABLES)
def test_in_production_another_host_is_refused_and_a_missing_page_shows_no_debug_detail(module):
    answers = in_production(module)
    assert answers["another host"]["status"] == 400
    assert answers["missing page over https"]["status"] == 404
    assert not answers["missing page over https"]["debug_page"]


@pytest.mark.parametrize("module", DEPLOYABLES)
def test_a_deployable_logs_json_lines_naming_its_own_service(module):
    logged = _ask(module, SHOP, (("ALLOWED_HOSTS", SHOP),))[1]
    assert any(line["logger"] == "django.security.DisallowedHost" for line in logged), logged
    assert {line["service"] for line in logged} == {DEPLOYABLES[module][0]}


@pytest.mark.parametrize("module", DEPLOYABLES)
@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_in_development_a_deployable_answers_on_the_loopback_names_over_plain_http(module, host):
    answers = in_development(module, host)
    assert answers["page"]["status"] == 200 and answers["page"]["hsts"] is None
    assert answers["page"]["cookies"] and not any(answers["page"]["cookies"].values())
    assert answers["another host"]["status"] == 400
