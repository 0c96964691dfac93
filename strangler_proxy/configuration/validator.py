"""The route table validated whole: every entry, then the checks that need the whole table.

Like YARP's ConfigValidator, validation never stops at the first error: it reports every one, each
with its fix, so one run of `python -m strangler_proxy.configuration check` shows all there is to do.

Table-wide rules: route ids are unique; routes name declared upstreams and plans; the last route is the
catch-all (prefix '/', no methods or headers) and no other route is; no route is shadowed by an earlier
one that matches every request it would.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from strangler_proxy.configuration.entries import (
    check_name,
    entry_label,
    known_names,
    read_plan,
    read_route,
    read_upstream,
)
from strangler_proxy.configuration.errors import RouteTableInvalid
from strangler_proxy.configuration.fields import COUNT, ROUTE_ARRAY, TABLE, TEXT, Problems, check_keys, read
from strangler_proxy.routing.match import is_catch_all, shadows
from strangler_proxy.table import Plan, Route, RouteTable, Upstream

T = TypeVar("T")

TOP_LEVEL = "top level"
TOP_KEYS = ("max_body_bytes", "default_anonymous_plan", "default_user_plan", "identity", "login_url", "upstreams",
            "plans", "routes")
IDENTITY_MODES = ("django", "off")
TOP_REQUIRED = {
    "upstreams": '[upstreams.monolith] with url_env = "MONOLITH_URL"',
    "routes": '[[routes]] with id = "default", prefix = "/", upstream = "monolith"',
}
DEFAULT_MAX_BODY_BYTES = 1_048_576


def validate(document: Mapping[str, Any], environ: Mapping[str, str], *, source: str = "") -> RouteTable:
    """The RouteTable `document` (parsed TOML) describes, upstream URLs read from `environ`.

    Raises RouteTableInvalid listing every error found, each with its fix.
    """
    problems = Problems()
    check_keys(document, TOP_LEVEL, problems, known=TOP_KEYS, required=TOP_REQUIRED)
    max_body_bytes = read(document, "max_body_bytes", COUNT, TOP_LEVEL, problems) or DEFAULT_MAX_BODY_BYTES
    upstreams = _upstreams(document, environ, problems)
    plans = _plans(document, problems)
    default_plan = _default_plan(document, plans, problems)
    user_plan = _default_plan(document, plans, problems, key="default_user_plan")
    raw_routes = read(document, "routes", ROUTE_ARRAY, TOP_LEVEL, problems)
    routes = None if raw_routes is None else _routes(raw_routes, upstreams, plans, problems)
    check_ids(raw_routes or [], problems)
    check_order(routes, upstreams, problems)
    identity = _identity_mode(document, routes or [], problems)
    login_url = _login_url(document, problems)
    if problems.errors:
        raise RouteTableInvalid(problems.errors, source=source)
    return RouteTable(routes=tuple(_present(routes or [])), upstreams=_present_values(upstreams),
                      plans=_present_values(plans), default_anonymous_plan=default_plan, default_user_plan=user_plan,
                      max_body_bytes=max_body_bytes, source=source, identity=identity, login_url=login_url)


def _login_url(document: Mapping[str, Any], problems: Problems) -> str:
    url = read(document, "login_url", TEXT, TOP_LEVEL, problems) or "/accounts/login/"
    if not url.startswith("/"):
        problems.add(f"login_url {url!r} must be a path on this site, starting with '/'; write '/{url}'")
    return url


def _identity_mode(document: Mapping[str, Any], routes: Sequence[Route | None], problems: Problems) -> str:
    mode = read(document, "identity", TEXT, TOP_LEVEL, problems) or "django"
    if mode not in IDENTITY_MODES:
        problems.add(f'identity = {mode!r} is not a mode; write identity = "django" (ask the monolith who the '
                     'caller is) or identity = "off" (ask nothing)')
        return "django"
    if mode == "off":
        for route in _present(routes):
            if route.login_required:
                problems.add(f"{entry_label('route', route.id)}: login_required needs the edge to know the caller, "
                             'but identity = "off"; remove login_required, or set identity = "django"')
    return mode


# ---------------------------------------------------------------- the entries


def _upstreams(document: Mapping[str, Any], environ: Mapping[str, str],
               problems: Problems) -> dict[str, Upstream | None]:
    """Every declared upstream by name; None for one that is declared but broken (error recorded)."""
    raw = read(document, "upstreams", TABLE, TOP_LEVEL, problems)
    if raw is not None and not raw:
        problems.add(f"{TOP_LEVEL}: no upstreams are declared; add {TOP_REQUIRED['upstreams']}")
    upstreams: dict[str, Upstream | None] = {}
    for name, entry in (raw or {}).items():
        named = check_name("upstream", name, problems)
        upstreams[name] = read_upstream(name, entry, environ, problems) if named else None
    return upstreams


def _plans(document: Mapping[str, Any], problems: Problems) -> dict[str, Plan | None]:
    raw = read(document, "plans", TABLE, TOP_LEVEL, problems) or {}
    plans: dict[str, Plan | None] = {}
    for name, entry in raw.items():
        plans[name] = read_plan(name, entry, problems) if check_name("plan", name, problems) else None
    return plans


def _routes(raw: list[dict[str, Any]], upstreams: Mapping[str, object], plans: Mapping[str, object],
            problems: Problems) -> list[Route | None]:
    """The routes in order, None where an entry is broken (error recorded)."""
    return [read_route(entry, number, problems, upstreams=list(upstreams), plans=list(plans))
            for number, entry in enumerate(raw, start=1)]


def _default_plan(document: Mapping[str, Any], plans: Mapping[str, Plan | None],
                  problems: Problems, key: str = "default_anonymous_plan") -> str | None:
    name = read(document, key, TEXT, TOP_LEVEL, problems)
    if name is not None and name not in plans:
        problems.add(f"{TOP_LEVEL}: {key} names plan {name!r}; {known_names('plans', plans)}")
    return name


# ---------------------------------------------------------------- the table as a whole


def check_ids(raw_routes: Sequence[Mapping[str, Any]], problems: Problems) -> None:
    """No two routes share an id (it names the route in logs, metrics and overrides)."""
    numbers: dict[str, list[str]] = defaultdict(list)
    for number, raw in enumerate(raw_routes, start=1):
        if isinstance(raw.get("id"), str):
            numbers[raw["id"]].append(f"#{number}")
    for route_id, used_by in numbers.items():
        if len(used_by) > 1:
            problems.add(f"route id {route_id!r} is used by routes {', '.join(used_by)}; "
                         "give each route its own id")


def check_order(routes: Sequence[Route | None] | None, upstreams: Mapping[str, object],
                problems: Problems) -> None:
    """The catch-all is last and alone there, and no route hides behind an earlier one."""
    if routes is None:
        return  # the missing or malformed `routes` key is already reported
    last = routes[-1] if routes else None
    if not routes or (last is not None and not is_catch_all(last)):
        problems.add(_catch_all_missing(upstreams, last))
    for route in _present(routes[:-1]):
        if is_catch_all(route):
            problems.add(f"{entry_label('route', route.id)} is a catch-all (prefix '/' with no methods or "
                         "headers) but is not last, so no route after it can match; move it to the end")
    _check_shadowing(routes, problems)


def _catch_all_missing(upstreams: Mapping[str, object], last: Route | None) -> str:
    target = "monolith" if "monolith" in upstreams or not upstreams else next(iter(upstreams))
    found = f"; route {last.id!r} is last" if last is not None else "; there are no routes"
    return (f"the last route must be the catch-all: prefix '/' to {target!r} with no methods or headers"
            f"{found}; add [[routes]] with id = \"default\", prefix = \"/\", upstream = \"{target}\" at the end")


def _check_shadowing(routes: Sequence[Route | None], problems: Problems) -> None:
    for position, later in enumerate(routes):
        if later is None:
            continue
        # A catch-all out of place is reported once, above, rather than once per route after it.
        earlier = next((route for route in _present(routes[:position])
                        if not is_catch_all(route) and shadows(route, later)), None)
        if earlier is not None:
            problems.add(f"{entry_label('route', later.id)} can never match: route {earlier.id!r} "
                         f"comes before it and matches every request it would; move it above {earlier.id!r} "
                         "or remove it")


def _present(items: Sequence[T | None] | Sequence[T]) -> list[T]:
    return [item for item in items if item is not None]


def _present_values(entries: Mapping[str, T | None]) -> dict[str, T]:
    return {name: entry for name, entry in entries.items() if entry is not None}
