"""One upstream, plan or route of the table, read from TOML into the model with its own checks.

Each reader returns None when the entry cannot be built; the error saying why is already recorded.
An optional field that is wrong falls back to its default, so the table-wide checks still see the entry.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

from strangler_proxy.configuration.fields import (
    BOOLEAN,
    COUNT,
    RATE,
    RATIO,
    SECONDS,
    SHARE,
    STRING_TABLE,
    STRINGS,
    TABLE,
    TEXT,
    Problems,
    check_keys,
    describe,
    read,
)
from strangler_proxy.routing.normalise import UNRESERVED, BadPath, normalise_path
from strangler_proxy.table import Judgement, Plan, Route, Upstream

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*\Z")
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")  # an RFC 9110 token
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
URL_EXAMPLE = "http://127.0.0.1:8002"
PREFIX_CHARACTERS = frozenset(UNRESERVED | {"/"})

UPSTREAM_KEYS = ("url_env", "health_path", "dry_run", "owns_cookies")
PLAN_KEYS = ("rate", "burst")
ROUTE_KEYS = ("id", "prefix", "upstream", "methods", "headers", "connect_timeout", "read_timeout",
              "anonymous_plan", "login_required", "exclusive", "candidate", "shadow_ignore", "judge")
JUDGE_KEYS = ("alpha", "min_requests", "p99_ratio", "p99_slack", "max_diff_rate")
ROUTE_REQUIRED = {"id": 'id = "orders"', "prefix": 'prefix = "/v1/orders"', "upstream": 'upstream = "monolith"'}


def entry_label(kind: str, name: str) -> str:
    return f"{kind} '{name}'"


def route_label(raw: Mapping[str, Any], number: int) -> str:
    """`route 'orders'` when the entry has a usable id, else `route #3` (counting from 1)."""
    route_id = raw.get("id")
    return entry_label("route", route_id) if isinstance(route_id, str) and route_id else f"route #{number}"


def check_name(kind: str, name: str, problems: Problems) -> bool:
    if NAME.match(name):
        return True
    problems.add(f"{entry_label(kind, name)}: the name may contain only letters, digits, '-', '_' and '.', "
                 "starting with a letter or digit; rename it")
    return False


# ---------------------------------------------------------------- upstreams


def read_upstream(name: str, raw: Any, environ: Mapping[str, str], problems: Problems) -> Upstream | None:
    """The upstream `[upstreams.<name>]`, its URL read from the variable its `url_env` names."""
    where = entry_label("upstream", name)
    if not isinstance(raw, dict):
        problems.add(f'{where}: must be a table like {{ url_env = "CATALOG_URL" }}, got {describe(raw)}')
        return None
    hints = {"url": f'upstream URLs come from the environment; write url_env = "{name.upper()}_URL" '
                    "and set that variable to the URL"}
    check_keys(raw, where, problems, known=UPSTREAM_KEYS, required={"url_env": 'url_env = "CATALOG_URL"'},
               hints=hints)
    health_path = _health_path(raw, where, problems)
    url_env = _url_env(raw, where, problems)
    if url_env is None:
        return None
    url = resolve_url(url_env, environ, where, problems)
    if url is None:
        return None
    dry_run = read(raw, "dry_run", BOOLEAN, where, problems)
    owns_cookies = _strings(raw, "owns_cookies", where, problems) or ()
    return Upstream(name=name, url=url, url_env=url_env, health_path=health_path, dry_run=bool(dry_run),
                    owns_cookies=owns_cookies)


def _health_path(raw: Mapping[str, Any], where: str, problems: Problems) -> str:
    health_path = read(raw, "health_path", TEXT, where, problems)
    if health_path is None:
        return "/healthz"
    if not health_path.startswith("/"):
        problems.add(f"{where}: health_path {health_path!r} must start with '/'; write '/{health_path}'")
    return health_path


def _url_env(raw: Mapping[str, Any], where: str, problems: Problems) -> str | None:
    url_env = read(raw, "url_env", TEXT, where, problems)
    if url_env is None or ENV_NAME.match(url_env):
        return url_env
    problems.add(f"{where}: url_env {url_env!r} must name an environment variable in upper case, "
                 f"e.g. {re.sub(r'[^A-Z0-9_]', '_', url_env.upper())!r}")
    return None


def resolve_url(url_env: str, environ: Mapping[str, str], where: str, problems: Problems) -> str | None:
    """The base URL in `environ[url_env]`, without a trailing '/'; None (error recorded) when unusable."""
    url = environ.get(url_env)
    if not url:
        state = "is not set" if url is None else "is empty"
        problems.add(f"{where}: environment variable {url_env} {state}; "
                     f"set it to the service's base URL, e.g. {URL_EXAMPLE}")
        return None
    problem = url_problem(url)
    if problem:
        problems.add(f"{where}: {url_env}={url!r} {problem}")
        return None
    return url.rstrip("/")


def url_problem(url: str) -> str | None:
    """What is wrong with `url` as an upstream's base URL, with the fix; None when nothing is."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is what raises on a malformed one
    except ValueError:
        return f"is not a valid URL; use a base URL such as {URL_EXAMPLE}"
    if parts.scheme not in ("http", "https"):
        return f"must be an http:// or https:// URL, e.g. {URL_EXAMPLE}"
    if not parts.hostname:
        return f"has no host; use a base URL such as {URL_EXAMPLE}"
    if parts.username is not None:
        return f"must not carry credentials; use {parts.scheme}://{parts.netloc.rpartition('@')[2]}"
    if parts.path not in ("", "/") or "?" in url or "#" in url:
        return (f"must be a base URL with no path, query or fragment (the request's own path is appended); "
                f"use {parts.scheme}://{parts.netloc}")
    return None


# ---------------------------------------------------------------- plans


def read_plan(name: str, raw: Any, problems: Problems) -> Plan | None:
    """The usage plan `<name> = { rate = ..., burst = ... }`."""
    where = entry_label("plan", name)
    if not isinstance(raw, dict):
        problems.add(f"{where}: must be a table like {{ rate = 5, burst = 10 }}, got {describe(raw)}")
        return None
    check_keys(raw, where, problems, known=PLAN_KEYS, required={"rate": "rate = 5", "burst": "burst = 10"})
    rate = read(raw, "rate", RATE, where, problems)
    burst = read(raw, "burst", COUNT, where, problems)
    if rate is None or burst is None:
        return None
    return Plan(name=name, rate=float(rate), burst=burst)


# ---------------------------------------------------------------- routes


def read_route(raw: Mapping[str, Any], number: int, problems: Problems, *,
               upstreams: Collection[str], plans: Collection[str]) -> Route | None:
    """The `number`-th `[[routes]]` entry (from 1), naming one of `upstreams` and, if any, of `plans`."""
    where = route_label(raw, number)
    check_keys(raw, where, problems, known=ROUTE_KEYS, required=ROUTE_REQUIRED)
    route_id = _route_id(raw, where, problems)
    prefix = _prefix(raw, where, problems)
    upstream = _reference(raw, "upstream", upstreams, where, problems)
    options = _route_options(raw, where, problems, plans)
    candidate = _candidate(raw, upstream, upstreams, where, problems)
    if route_id is None or prefix is None or upstream is None:
        return None
    return Route(id=route_id, prefix=prefix, upstream=upstream, candidate=candidate, **options)


def _candidate(raw: Mapping[str, Any], primary: str | None, upstreams: Collection[str], where: str,
               problems: Problems) -> str | None:
    """The optional upstream the route is moving to: declared, and not the primary itself."""
    candidate = _reference(raw, "candidate", upstreams, where, problems)
    if candidate is not None and candidate == primary:
        problems.add(f"{where}: candidate {candidate!r} is the route's upstream already; name the upstream "
                     "the route is moving to, or remove candidate")
        return None
    return candidate


def _reference(raw: Mapping[str, Any], key: str, names: Collection[str], where: str,
               problems: Problems) -> str | None:
    """The name in `raw[key]`, which must be one of `names` (declared upstreams or plans)."""
    name = read(raw, key, TEXT, where, problems)
    if name is not None and name not in names:
        kind = "upstream" if key in ("upstream", "candidate") else "plan"
        problems.add(f"{where} names {kind} {name!r}; {known_names(kind + 's', names)}")
    return name


def known_names(kind: str, names: Collection[str]) -> str:
    """The end of an unknown-name error: the names one may use instead."""
    if not names:
        return f"no {kind} are declared; declare it under [{kind}]"
    return f"known {kind}: {', '.join(names)}"


def _route_id(raw: Mapping[str, Any], where: str, problems: Problems) -> str | None:
    route_id = read(raw, "id", TEXT, where, problems)
    if route_id is None or not check_name("route", route_id, problems):
        return None
    return route_id


def _prefix(raw: Mapping[str, Any], where: str, problems: Problems) -> str | None:
    prefix = read(raw, "prefix", TEXT, where, problems)
    problem = None if prefix is None else prefix_problem(prefix)
    if problem:
        problems.add(f"{where}: {problem}")
        return None
    return prefix


def prefix_problem(prefix: str) -> str | None:
    """What keeps `prefix` from ever matching a normalised request path, with the fix; None if nothing."""
    if not prefix.startswith("/"):
        return f"prefix {prefix!r} must start with '/'; write '/{prefix}'"
    stray = "".join(sorted(set(prefix) - PREFIX_CHARACTERS))
    if stray:
        return (f"prefix {prefix!r} may contain only letters, digits, '-', '.', '_', '~' and '/', since other "
                f"characters stay percent-encoded in the paths routes match; remove {stray!r}")
    try:
        normal = normalise_path(prefix.encode("ascii"))
    except BadPath as error:
        return f"prefix {prefix!r} can never match: {error.reason}; remove the '..'"
    if normal != prefix:
        return f"prefix {prefix!r} is not a normalised path, so no request matches it; write {normal!r}"
    return None


def _route_options(raw: Mapping[str, Any], where: str, problems: Problems,
                   plans: Collection[str]) -> dict[str, Any]:
    """The optional fields present and valid, as Route keyword arguments; the rest keep their defaults."""
    options = {
        "methods": _methods(raw, where, problems),
        "headers": _headers(raw, where, problems),
        "connect_timeout": _seconds(raw, "connect_timeout", where, problems),
        "read_timeout": _seconds(raw, "read_timeout", where, problems),
        "anonymous_plan": _reference(raw, "anonymous_plan", plans, where, problems),
        "login_required": read(raw, "login_required", BOOLEAN, where, problems),
        "exclusive": read(raw, "exclusive", BOOLEAN, where, problems),
        "shadow_ignore": _strings(raw, "shadow_ignore", where, problems),
        "judge": _judgement(raw, where, problems),
    }
    if options["exclusive"] and "methods" not in raw:
        problems.add(f"{where}: exclusive = true refuses the methods a route does not list, but it lists none; "
                     'add methods = ["GET"] (say), or remove exclusive')
    return {key: value for key, value in options.items() if value is not None}


def _judgement(raw: Mapping[str, Any], where: str, problems: Problems) -> Judgement | None:
    """`judge = { alpha = 0.01, min_requests = 500, ... }`: how the route's canary or shadow is judged."""
    table = read(raw, "judge", TABLE, where, problems)
    if table is None:
        return None
    inside = f"{where} judge"
    check_keys(table, inside, problems, known=JUDGE_KEYS, required={})
    fields: dict[str, Any] = {"alpha": read(table, "alpha", SHARE, inside, problems),
              "min_requests": read(table, "min_requests", COUNT, inside, problems),
              "p99_ratio": read(table, "p99_ratio", RATIO, inside, problems),
              "p99_slack": _seconds(table, "p99_slack", inside, problems),
              "max_diff_rate": read(table, "max_diff_rate", SHARE, inside, problems)}
    return Judgement(**{key: value for key, value in fields.items() if value is not None})


def _strings(raw: Mapping[str, Any], key: str, where: str, problems: Problems) -> tuple[str, ...] | None:
    values = read(raw, key, STRINGS, where, problems)
    return None if values is None else tuple(values)


def _seconds(raw: Mapping[str, Any], key: str, where: str, problems: Problems) -> float | None:
    seconds = read(raw, key, SECONDS, where, problems)
    return None if seconds is None else float(seconds)


def _methods(raw: Mapping[str, Any], where: str, problems: Problems) -> frozenset[str] | None:
    methods = read(raw, "methods", STRINGS, where, problems)
    if methods is None:
        return None
    if not methods:
        problems.add(f"{where}: methods = [] matches no request; remove the key to match every method")
        return None
    wrong = [method for method in methods if method not in METHODS]
    for method in wrong:
        problems.add(f"{where}: {_method_problem(method)}")
    return None if wrong else frozenset(methods)


def _method_problem(method: str) -> str:
    if method.upper() in METHODS:
        return f"method {method!r} must be written in upper case: {method.upper()!r}"
    return f"method {method!r} is not one a route can filter on; use {', '.join(METHODS)}"


def _headers(raw: Mapping[str, Any], where: str, problems: Problems) -> tuple[tuple[str, str], ...] | None:
    headers = read(raw, "headers", STRING_TABLE, where, problems)
    if headers is None:
        return None
    pairs: dict[str, str] = {}
    for name, value in headers.items():
        problem = _header_problem(name, value, pairs)
        if problem:
            problems.add(f"{where}: {problem}")
        pairs[name.lower()] = value
    # Names are case-insensitive in HTTP and lower-case in ASGI: compare them in lower case.
    return tuple(sorted(pairs.items()))


def _header_problem(name: str, value: str, seen: Mapping[str, str]) -> str | None:
    if not HEADER_NAME.match(name):
        return f"header name {name!r} is not a valid HTTP header name; use letters, digits and '-'"
    if name.lower() in seen:
        return f"header {name.lower()!r} is given twice (header names ignore case); keep one"
    if not (value.isascii() and value.isprintable()):
        return f"header {name!r}: value {value!r} must be printable ASCII"
    return None
