"""The resolved route table as rows a person reads (printed by `strangler check`) and as JSON data."""

from __future__ import annotations

from typing import Any

from strangler_proxy.table import Route, RouteTable

ROUTE_COLUMNS = ("ROUTE", "PREFIX", "METHODS", "HEADERS", "UPSTREAM", "CONNECT", "READ", "PLAN", "LOGIN")


def table_as_dict(table: RouteTable) -> dict[str, Any]:
    """The table as JSON-ready data: routes in match order, each with its upstream's resolved URL."""
    return {
        "source": table.source,
        "max_body_bytes": table.max_body_bytes,
        "default_anonymous_plan": table.default_anonymous_plan,
        "upstreams": {name: {"url": upstream.url, "url_env": upstream.url_env, "health_path": upstream.health_path}
                      for name, upstream in table.upstreams.items()},
        "plans": {name: {"rate": plan.rate, "burst": plan.burst} for name, plan in table.plans.items()},
        "routes": [_route_as_dict(table, route) for route in table.routes],
    }


def _route_as_dict(table: RouteTable, route: Route) -> dict[str, Any]:
    return {
        "id": route.id,
        "prefix": route.prefix,
        "methods": sorted(route.methods),
        "headers": dict(route.headers),
        "upstream": route.upstream,
        "url": table.upstreams[route.upstream].url,
        "candidate": route.candidate,
        "connect_timeout": route.connect_timeout,
        "read_timeout": route.read_timeout,
        "anonymous_plan": route.anonymous_plan or table.default_anonymous_plan,
        "login_required": route.login_required,
        "exclusive": route.exclusive,
    }


def route_rows(table: RouteTable) -> list[tuple[str, ...]]:
    """One row per route, in match order, under ROUTE_COLUMNS."""
    return [_route_row(table, route) for route in table.routes]


def _route_row(table: RouteTable, route: Route) -> tuple[str, ...]:
    default = f"{table.default_anonymous_plan} (default)" if table.default_anonymous_plan else "none"
    return (
        route.id,
        route.prefix,
        ",".join(sorted(route.methods)) + (" only" if route.exclusive else "") or "any",
        ",".join(f"{name}={value}" for name, value in route.headers) or "-",
        f"{route.upstream} -> {table.upstreams[route.upstream].url}"
        + (f" (candidate {route.candidate})" if route.candidate else ""),
        f"{route.connect_timeout:g}s",
        f"{route.read_timeout:g}s",
        route.anonymous_plan or default,
        "required" if route.login_required else "-",
    )
