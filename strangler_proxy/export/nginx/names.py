"""The names an export gives the table's parts in nginx: variables, internal URIs, upstream blocks.

Variables are numbered (nginx variable names take no '-' or '.'); internal URIs carry route ids and
upstream names, and live under /_strangler/, which no client request reaches (the proxy keeps that
prefix for itself, and so does the export).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from strangler_proxy.export.regions import ADMIN_PREFIX, Region, Step, regions
from strangler_proxy.table import Mode, Route, RouteTable

__all__ = ["Names", "is_canary", "is_shadow", "mirror_uri", "refuse_uri", "route_uri", "upstream_block"]


class Names:
    """One table's regions (regions.py) and what this export calls everything in them."""

    def __init__(self, table: RouteTable) -> None:
        self.regions = regions(table)
        self.header_pairs = sorted({pair for region in self.regions for step in region.steps for pair in step.headers})
        canaries = [route for route in table.routes if is_canary(route)]
        self.arms = {route.id: f"strangler_arm_{number}" for number, route in enumerate(canaries, start=1)}
        # Locations that choose by method or header each read a decision map; the others rewrite at once.
        self.dynamic = [region for region in self.regions if not region.steps[0].takes_all]
        urls = {name: urlsplit(upstream.url) for name, upstream in table.upstreams.items()}
        self.schemes = {name: url.scheme for name, url in urls.items()}
        self.hosts = {name: url.hostname or "" for name, url in urls.items()}

    def decision(self, region: Region) -> str:
        """What a location of `region` rewrites to: its decision map's variable, or its one target."""
        if region in self.dynamic:
            return f"$strangler_decision_{self.dynamic.index(region) + 1}"
        return self.target(region.steps[0])

    def header_flag(self, pair: tuple[str, str]) -> str:
        return f"strangler_header_{self.header_pairs.index(pair) + 1}"

    def decision_key(self) -> str:
        """What decision maps read: 'METHOD:' and one 0/1 flag per header filter, in header_pairs order."""
        return "$request_method:" + "".join(f"${{{self.header_flag(pair)}}}" for pair in self.header_pairs)

    def step_pattern(self, step: Step) -> str:
        """The decision key's pattern for the requests `step` takes."""
        methods = f"(?:{'|'.join(sorted(step.methods))})" if step.methods else "[^:]*"
        if not step.headers:
            return f"~^{methods}:"
        flags = "".join("1" if pair in step.headers else "." for pair in self.header_pairs)
        return f"~^{methods}:{flags}$"

    def target(self, step: Step) -> str:
        """The internal URI a request taken by `step` is rewritten to."""
        route = step.route
        if step.refuse:
            return refuse_uri(route)
        if is_canary(route):
            return route_uri(route, f"${{{self.arms[route.id]}}}")
        return route_uri(route, route.upstream)


def upstream_block(name: str) -> str:
    return f"strangler_{name}"


def route_uri(route: Route, upstream: str) -> str:
    return f"{ADMIN_PREFIX}route/{route.id}/{upstream}"


def refuse_uri(route: Route) -> str:
    return f"{ADMIN_PREFIX}refuse/{route.id}"


def mirror_uri(route: Route) -> str:
    return f"{ADMIN_PREFIX}mirror/{route.id}"


def is_canary(route: Route) -> bool:
    return route.mode is Mode.CANARY and route.candidate is not None


def is_shadow(route: Route) -> bool:
    return route.mode is Mode.SHADOW and route.candidate is not None
