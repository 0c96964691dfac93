"""Migration progress, as two numbers: the share of the monolith's URL patterns that another upstream than
the monolith serves, and the share of the last hour's requests that another upstream answered.

URL patterns. The proxy imports no application code: the monolith lists its patterns itself (the
strangler_django app's `strangler_urls` command, run by `strangler inventory`), and `strangler inventory
--publish` keeps that list in Redis (INVENTORY_KEY) for the dashboard. Each pattern is placed on the
first route whose prefix covers its literal part ("/v1/orders/<uuid:order_id>" → "/v1/orders/"), whatever
the route's methods or headers filters, which decide per request; it has moved when that route's primary
(in the table in force) is not the monolith.

Requests. Every proxy process counts the requests it forwarded per route and upstream per minute in the
same Redis (observability/traffic.py); a request has moved when an upstream other than the monolith
answered it (a fallback to the monolith counts for the monolith).

The monolith is the upstream named MONOLITH, as in the kit's routes.toml.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

import redis

from strangler_proxy.observability.traffic import Traffic, last_hour
from strangler_proxy.redis_link import as_text
from strangler_proxy.routing.match import RouteMatcher
from strangler_proxy.table import Route, RouteTable

MONOLITH = "monolith"
INVENTORY_KEY = "strangler:inventory"


@dataclass(frozen=True)
class Placement:
    """One URL pattern of the monolith and the route that catches it."""

    pattern: str
    name: str | None
    view: str
    route: Route

    @property
    def moved(self) -> bool:
        return self.route.upstream != MONOLITH

    def as_dict(self) -> dict[str, object]:
        route = self.route
        return {"pattern": self.pattern, "name": self.name, "view": self.view, "route": route.id,
                "prefix": route.prefix, "methods": sorted(route.methods), "primary": route.upstream,
                "candidate": route.candidate, "mode": route.mode.value if route.candidate else None}


@dataclass(frozen=True)
class Share:
    """`moved` of `total` (URL patterns, or requests) are served by another upstream than the monolith."""

    moved: int
    total: int

    @property
    def fraction(self) -> float | None:
        return self.moved / self.total if self.total else None

    def as_dict(self) -> dict[str, object]:
        fraction = self.fraction
        return {"moved": self.moved, "total": self.total,
                "share_moved": None if fraction is None else round(fraction, 4)}


@dataclass(frozen=True)
class Inventory:
    """The monolith's URL patterns as `strangler inventory --publish` last stored them."""

    patterns: tuple[dict[str, str | None], ...]
    source: str
    at: float


@dataclass(frozen=True)
class Progress:
    # None while no inventory has been published.
    patterns: Share | None
    inventory: Inventory | None
    requests: Share
    # The last hour's requests per (route, upstream), most first.
    by_route: tuple[tuple[str, str, int], ...]
    window_minutes: int


def place(patterns: Sequence[dict[str, str | None]], table: RouteTable) -> list[Placement]:
    """Each pattern with the first route whose prefix covers the pattern's literal part."""
    rules = RouteMatcher(table).rules
    placements = []
    for entry in patterns:
        pattern = entry["pattern"] or "/"
        literal = literal_prefix(pattern)
        route = next(rule.route for rule in rules if literal == rule.exact or literal.startswith(rule.subtree))
        placements.append(Placement(pattern, entry["name"], entry["view"] or "", route))
    return placements


def literal_prefix(pattern: str) -> str:
    """The part of a pattern before its first converter or group: "/v1/orders/<uuid:pk>" gives "/v1/orders/"."""
    return pattern.partition("<")[0].partition("(")[0] or "/"


def pattern_share(placements: Sequence[Placement]) -> Share:
    return Share(sum(placement.moved for placement in placements), len(placements))


def request_share(traffic: Traffic) -> Share:
    return Share(traffic.served_by_other_than(MONOLITH), traffic.total)


def publish_inventory(client: redis.Redis, patterns: Sequence[dict[str, str | None]], *, source: str,
                      now: float | None = None) -> None:
    """Keep the monolith's patterns in Redis for the dashboard (replacing the last list)."""
    at = time.time() if now is None else now
    client.set(INVENTORY_KEY, json.dumps({"patterns": list(patterns), "source": source, "at": at}))


def published_inventory(client: redis.Redis) -> Inventory | None:
    raw = client.get(INVENTORY_KEY)
    if raw is None:
        return None
    stored = json.loads(as_text(raw))
    return Inventory(tuple(stored["patterns"]), stored["source"], float(stored["at"]))


def migration_progress(client: redis.Redis, table: RouteTable, *, now: float | None = None) -> Progress:
    """Both figures against `table` (the table in force), read from the Redis the proxies share."""
    inventory = published_inventory(client)
    traffic = last_hour(client, now=now)
    by_route = sorted(((route, upstream, count) for (route, upstream), count in traffic.counts.items()),
                      key=lambda item: (-item[2], item[0], item[1]))
    return Progress(patterns=pattern_share(place(inventory.patterns, table)) if inventory else None,
                    inventory=inventory, requests=request_share(traffic), by_route=tuple(by_route),
                    window_minutes=traffic.minutes)
