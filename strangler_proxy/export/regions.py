"""The route table as nginx locations: where nginx's longest-prefix rule lands, and what decides there.

The proxy tries routes in table order and takes the first that fully matches; nginx takes the location
with the longest matching prefix. The two agree once every location carries its own ordered decision:

  * Each route prefix P becomes the locations nginx needs for a segment-boundary match: `= P` and
    `^~ P/`, or only `^~ P` when P ends in '/' (it matches only below itself); prefix '/' is `location /`.
  * Every path nginx sends to one location is matched by the same routes: a route's prefix matches
    the path exactly when it matches the location's own path (its exact path, or its '/'-ended prefix),
    since every location boundary is a segment boundary. So a location's candidates, in table order,
    are the routes that match its own path.
  * Down that list each route contributes a step, as RouteMatcher.match tries it: its methods and
    headers admit the request (the route), or, for an exclusive route, its headers do and its methods
    do not (405). The first step that takes the request decides; the catch-all ends every list.

Locations whose steps are identical share one decision. Nothing here is nginx text (nginx.py writes it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from strangler_proxy.routing.match import Match, RouteRule, effective_methods
from strangler_proxy.table import Route, RouteTable

__all__ = ["ADMIN_PREFIX", "Location", "Region", "Step", "decision", "nginx_sees_header", "regions"]

# The proxy answers under this prefix itself and never forwards it (strangler_proxy/app.py).
ADMIN_PREFIX = "/_strangler/"
# Header names nginx passes to its variables: letters, digits and '-' (with underscores_in_headers off
# and ignore_invalid_headers on, every other name is dropped before any location sees it).
_NGINX_HEADER = re.compile(r"[A-Za-z0-9-]+\Z")


def nginx_sees_header(name: str) -> bool:
    """Whether nginx can read a request header called `name` (a route may filter on names it cannot)."""
    return _NGINX_HEADER.match(name) is not None


@dataclass(frozen=True, order=True)
class Location:
    """One nginx location: `modifier` is '=' (this path only), '^~' (this path and below) or '' (for '/')."""

    path: str
    modifier: str

    def directive(self) -> str:
        return f"location {self.modifier} {self.path}" if self.modifier else f"location {self.path}"


@dataclass(frozen=True)
class Step:
    """One entry of a decision: the requests it takes (`methods`, empty for any, and every header pair
    in `headers`) go to `route`, or are answered 405 for it when `refuse` is set."""

    route: Route
    methods: frozenset[str]
    headers: tuple[tuple[str, str], ...]
    refuse: bool = False

    @property
    def takes_all(self) -> bool:
        return not self.methods and not self.headers


@dataclass(frozen=True)
class Region:
    """The locations that decide alike, and their decision: the first step that takes a request wins."""

    locations: tuple[Location, ...]
    steps: tuple[Step, ...]


def regions(table: RouteTable) -> list[Region]:
    """Every location the table needs, grouped by decision, in the order the table first needs them."""
    rules = [RouteRule.compile(route) for route in table.routes]
    grouped: dict[tuple[Step, ...], list[Location]] = {}
    for location in _locations(table):
        candidates = [rule.route for rule in rules if rule.matches("", location.path, ()) is not Match.NONE]
        grouped.setdefault(decision(candidates), []).append(location)
    return [Region(tuple(locations), steps) for steps, locations in grouped.items()]


def _locations(table: RouteTable) -> list[Location]:
    found: dict[Location, None] = {}  # a dict keeps the table's order without repeats
    for route in table.routes:
        for location in _route_locations(route.prefix):
            if not location.path.startswith(ADMIN_PREFIX):  # the proxy's own: no route reaches it
                found[location] = None
    return list(found)


def _route_locations(prefix: str) -> tuple[Location, ...]:
    if prefix == "/":
        return (Location("/", ""),)
    if prefix.endswith("/"):
        return (Location(prefix, "^~"),)
    return (Location(prefix, "="), Location(prefix + "/", "^~"))


def decision(candidates: list[Route]) -> tuple[Step, ...]:
    """The steps for `candidates` (in table order) up to the first that takes every request.

    A route filtering on a header nginx cannot read contributes no step: nginx never sees the header,
    so the route never matches there (gaps.py reports it).
    """
    steps: list[Step] = []
    for route in candidates:
        if not all(nginx_sees_header(name) for name, _ in route.headers):
            continue
        methods = effective_methods(route)
        steps.append(Step(route, methods, route.headers))
        if steps[-1].takes_all:
            break
        if route.exclusive and methods:
            steps.append(Step(route, frozenset(), route.headers, refuse=True))
            if steps[-1].takes_all:
                break
    return tuple(steps)
