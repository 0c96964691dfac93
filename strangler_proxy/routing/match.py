"""Route matching: the table compiled once at boot, then a short scan per request.

A route matches a request when its prefix matches the path on a segment boundary and, when it has
them, its methods and headers filters accept the request. Routes are tried in order; the first full
match wins, and the table's last route, the catch-all, matches everything. An `exclusive` route stops
the search for a request with the route's path and headers but another method: MethodNotAllowed (405),
since its old home (the monolith's legacy view) no longer serves that prefix.

Paths given to `match` are already normalised (routing/normalise.py).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from strangler_proxy.table import Route, RouteTable

__all__ = ["Match", "MethodNotAllowed", "RouteMatcher", "RouteRule", "effective_methods", "is_catch_all", "shadows"]

# As ASGI delivers them (lower-case names), or a mapping from lower-case name to value.
RequestHeaders = Mapping[str, str] | Sequence[tuple[bytes, bytes]]


class Match(enum.Enum):
    """How far one route matches a request, as Starlette's routes answer."""

    NONE = 0
    # The path is the route's, but its methods or headers filter refuses the request.
    PARTIAL = 1
    FULL = 2


class MethodNotAllowed(Exception):
    """The request's path belongs to an exclusive route that does not serve its method."""

    def __init__(self, route: Route) -> None:
        super().__init__(route.id)
        self.route = route
        self.allowed = sorted(effective_methods(route))


def is_catch_all(route: Route) -> bool:
    """Whether `route` matches every request: prefix '/' with no methods or headers filter."""
    return route.prefix == "/" and not route.methods and not route.headers


def effective_methods(route: Route) -> frozenset[str]:
    """The methods `route` accepts (empty: all). A route that serves GET also serves HEAD."""
    if "GET" in route.methods:
        return route.methods | {"HEAD"}
    return route.methods


def shadows(earlier: Route, later: Route) -> bool:
    """Whether `earlier` matches every request `later` would, so `later`, placed after it, never matches."""
    earlier_methods, later_methods = effective_methods(earlier), effective_methods(later)
    methods_covered = (not earlier_methods or earlier.exclusive
                       or (bool(later_methods) and later_methods <= earlier_methods))
    headers_covered = set(earlier.headers) <= set(later.headers)
    return _prefix_covers(earlier.prefix, later.prefix) and methods_covered and headers_covered


def _prefix_covers(outer: str, inner: str) -> bool:
    # `inner` matches itself and everything under _subtree(inner); both must fall within `outer`.
    subtree = _subtree(outer)
    return _subtree(inner).startswith(subtree) and (inner == outer or inner.startswith(subtree))


def _subtree(prefix: str) -> str:
    return prefix if prefix.endswith("/") else prefix + "/"


@dataclass(frozen=True, slots=True)
class RouteRule:
    """One route, precomputed for matching: the strings and sets compared on every request."""

    route: Route
    exact: str
    subtree: str
    methods: frozenset[str]
    headers: tuple[tuple[bytes, bytes], ...]

    @classmethod
    def compile(cls, route: Route) -> RouteRule:
        headers = tuple((name.encode("latin-1"), value.encode("latin-1")) for name, value in route.headers)
        return cls(route, route.prefix, _subtree(route.prefix), effective_methods(route), headers)

    def matches(self, method: str, path: str, headers: RequestHeaders) -> Match:
        """FULL when prefix, methods and headers all accept; PARTIAL when only the prefix does."""
        if path != self.exact and not path.startswith(self.subtree):
            return Match.NONE
        if self.methods and method not in self.methods:
            return Match.PARTIAL
        if self.headers and not _carries(headers, self.headers):
            return Match.PARTIAL
        return Match.FULL


def _carries(headers: RequestHeaders, required: Iterable[tuple[bytes, bytes]]) -> bool:
    """Whether the request has, for every required header, at least one value equal to the required one."""
    if isinstance(headers, Mapping):
        return all(headers.get(name.decode("latin-1")) == value.decode("latin-1") for name, value in required)
    return all(any(key == name and got == value for key, got in headers) for name, value in required)


class RouteMatcher:
    """The route table compiled for matching. Build it once per table; `match` never fails."""

    def __init__(self, table: RouteTable) -> None:
        if not table.routes or not is_catch_all(table.routes[-1]):
            # load_route_table guarantees this; a hand-built table might not.
            raise ValueError("the route table's last route must be the catch-all (prefix '/', no filters)")
        self.rules = tuple(RouteRule.compile(route) for route in table.routes)
        # Any prefix but '/' fixes the path's first segment, so a request need only try the rules for
        # its first segment plus the prefix-'/' ones, still in table order.
        self._anywhere = tuple(rule for rule in self.rules if rule.exact == "/")
        self._by_segment = {
            segment: tuple(rule for rule in self.rules if rule.exact == "/" or _first_segment(rule.exact) == segment)
            for segment in {_first_segment(rule.exact) for rule in self.rules if rule.exact != "/"}
        }

    def match(self, method: str, path: str, headers: RequestHeaders = ()) -> Route:
        """The first route that fully matches the request; the catch-all when no other does. Raises
        MethodNotAllowed when an exclusive route owns the path but not the method."""
        for rule in self._by_segment.get(_first_segment(path), self._anywhere):
            found = rule.matches(method, path, headers)
            if found is Match.FULL:
                return rule.route
            if found is Match.PARTIAL and rule.route.exclusive and _carries(headers, rule.headers):
                raise MethodNotAllowed(rule.route)
        raise AssertionError("unreachable: the catch-all matches every request")


def _first_segment(path: str) -> str:
    return path[1:].partition("/")[0]
