"""What the dashboard shows of a migration in progress: the routes in match order, the canary's live split
per arm, the shadow's field verdicts and latest mismatch side by side, the verdicts with their figures,
breakers, the history, and the migration progress."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests

from strangler_proxy.configuration.loader import load_route_table
from strangler_proxy.control.store import ControlStore
from tests.strangler_proxy.dashboard.conftest import ADMIN_TOKEN, fresh_start
from tests.strangler_proxy.dashboard.scenario import migrate, split


@dataclass(frozen=True)
class Seen:
    page: str
    # The canary's requests per arm as counted in Redis when the page was read.
    split: dict[str, int]


@pytest.fixture(scope="module")
def seen(proxy, redis_server, table_env) -> Iterator[Seen]:
    """The page, read once after the migration below (each test then starts with Redis cleared)."""
    client = redis.Redis.from_url(redis_server, decode_responses=True)
    try:
        fresh_start(proxy, client)
        migrate(proxy, ControlStore(client, load_route_table(Path(table_env["ROUTES_FILE"]), table_env)), client)
        response = requests.get(f"{proxy.url}/_strangler/", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                                timeout=10)
        assert response.status_code == 200
        yield Seen(response.text, split(client))
    finally:
        client.close()


@pytest.fixture
def page(seen: Seen) -> str:
    return seen.page


def section(page: str, anchor: str) -> str:
    return re.search(rf'<section id="{anchor}".*?</section>', page, re.S)[0]


def cells(row_html: str) -> list[str]:
    found = re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in found]


def rows(html: str) -> list[list[str]]:
    return [cells(found) for found in re.findall(r"<tr>(.*?)</tr>", html, re.S) if "<td" in found]


def test_the_routes_are_listed_in_match_order_with_primary_candidate_mode_and_share(page):
    listed = rows(section(page, "routes"))
    assert [row[1] for row in listed] == ["orders", "catalog", "checkout", "default"]
    assert listed[0][2:7] == ["/v1/orders", "monolith", "orders", "canary 25 %", "25 %"]
    assert listed[1][2:7] == ["/v1/products", "monolith", "catalog", "shadow", "copies writes: skip"]
    assert listed[2][2:6] == ["/v1/checkout POST", "monolith", "–", "serving"]


def test_the_canary_card_shows_requests_errors_and_p99_per_arm(page, seen):
    card = re.search(r'<article class="card canary">.*?</article>', page, re.S)[0]
    arms = {row[0]: row for row in rows(card)}
    counted = seen.split
    assert arms["primary"][1:5] == ["monolith", str(counted["primary"]), "0", "0.00 %"]
    assert arms["candidate"][1:5] == ["orders", str(counted["candidate"]), "0", "0.00 %"]
    assert arms["candidate"][5].endswith(" ms")
    assert "breaker" in card and '<span class="badge pass">closed</span>' in card


def test_the_verdicts_show_their_figures(page, seen):
    canary = re.search(r'<article class="card canary">.*?</article>', page, re.S)[0]
    counted = seen.split
    assert '<span class="badge hold">not enough data</span>' in canary
    assert f"{counted['candidate']} requests on the smaller arm; 1000 needed" in canary
    assert f"{counted['primary']} / {counted['candidate']}" in canary  # n per arm
    assert "0.00 / 10,000" in canary  # the statistic against 1/alpha
    assert "(limit 1.5×)" in canary
    shadow = re.search(r'<article class="card shadow">.*?</article>', page, re.S)[0]
    assert "100.00 % / 5.00 %" in shadow  # the diff rate against its limit


def test_the_shadow_card_shows_field_verdicts_and_the_latest_mismatch_side_by_side(page):
    card = re.search(r'<article class="card shadow">.*?</article>', page, re.S)[0]
    fields = {row[0]: row for row in rows(re.search(r'<table class="fields">.*?</table>', card, re.S)[0])}
    assert fields["body:$.flavour"][1:] == ["100.00 %", "0.00 %", "reported"]
    assert fields["body:$.served_at"][3] == "noise"
    diff = re.search(r'<div class="diff">.*?</div>', card, re.S)[0]
    assert "primary · monolith" in diff and "candidate · catalog" in diff
    differing = [cells(found) for found in re.findall(r'<tr class="differs">(.*?)</tr>', diff, re.S)]
    assert ["", '"flavour": "new",'] in differing  # on the candidate's side only
    assert any(left.startswith('"served_at": ') and right.startswith('"served_at": ') for left, right in differing)
    assert not any("x-request-id" in left for left, _ in differing)  # a comma added after it is no difference


def test_the_history_shows_who_changed_what_and_why_newest_first(page):
    history = [row[1:] for row in rows(section(page, "history"))]
    assert history == [
        ["orders", "canary", "monolith → monolith + orders (canary 25 %)", "admin-token", "fixed the slow query"],
        ["orders", "rollback", "monolith + orders (canary 5 %) → monolith", "admin-token", "p99 up after the deploy"],
        ["orders", "canary", "monolith → monolith + orders (canary 5 %)", "ada", "first try"],
        ["catalog", "shadow", "monolith → monolith + catalog (shadow)", "ada", "compare answers before moving"],
    ]


def test_breakers_and_the_migration_progress_are_shown(page):
    breakers = {row[0]: row[1:] for row in rows(section(page, "breakers"))}
    assert breakers == {"catalog": ["closed", "catalog"], "orders": ["closed", "orders"]}
    progress = section(page, "progress")
    assert "requests moved, last 60 min" in progress and "strangler inventory --publish" in progress
