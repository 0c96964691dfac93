"""The server block: the proxy's refusals, its header rules, a location per route prefix that rewrites to
the route it decides on, and the internal locations that forward (or refuse) for each route."""

from __future__ import annotations

from strangler_proxy.errors import error_json
from strangler_proxy.export.nginx.names import (
    Names,
    is_canary,
    is_shadow,
    mirror_uri,
    refuse_uri,
    route_uri,
    upstream_block,
)
from strangler_proxy.export.nginx.text import Writer, quoted, single_quoted
from strangler_proxy.export.regions import ADMIN_PREFIX
from strangler_proxy.forwarding.errors import ForwarderError
from strangler_proxy.observability.health import healthz
from strangler_proxy.routing.match import effective_methods
from strangler_proxy.table import Route, RouteTable

__all__ = ["IDENTITY_HEADERS", "write_server"]

# Client headers that could claim an identity, cleared by name: nginx cannot drop headers by prefix
# as the proxy does (identity/headers.py IDENTITY_PREFIXES), so these are the names in use.
IDENTITY_HEADERS = (
    "X-Strangler-Identity", "X-Strangler-Internal", "X-Strangler-Arm", "X-Strangler-Shadow",
    "X-User", "X-User-Id", "X-User-Email", "X-Remote-User", "Remote-User",
    "X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-Preferred-Username", "X-Forwarded-Groups",
    "X-Auth", "X-Auth-User", "X-Auth-Request-User", "X-Auth-Request-Email", "X-Auth-Request-Groups",
    "X-Auth-Request-Preferred-Username", "X-Auth-Request-Access-Token", "X-Authenticated-User",
    "X-Authenticated-Userid", "X-Authenticated-Groups", "X-Authenticated-Scope", "X-Authorization",
    "X-Identity", "X-Consumer-Id", "X-Consumer-Custom-Id", "X-Consumer-Username", "X-Consumer-Groups",
    "X-Credential-Identifier", "X-Credential-Username",
    "X-Amzn-Oidc-Data", "X-Amzn-Oidc-Identity", "X-Amzn-Oidc-Accesstoken",
    "X-Ms-Client-Principal", "X-Ms-Client-Principal-Id", "X-Ms-Client-Principal-Name",
    "X-Ms-Client-Principal-Idp", "X-Api-Key",
)
# Claims about earlier hops and the scheme, believed from nobody (forwarding/headers.py).
_CLAIM_HEADERS = ("Forwarded", "X-Real-IP", "X-Forwarded-Ssl", "X-Forwarded-Protocol", "X-Forwarded-Scheme",
                  "X-Url-Scheme", "Front-End-Https", "X-Forwarded-Port", "X-Forwarded-Prefix")
# What normalise.py refuses outright, found in the raw target's path: an encoded '/' or '\', an encoded
# control character, ';', '\', or a byte outside printable ASCII. (nginx itself refuses the rest:
# malformed escapes, '..' above the root, raw control characters.)
_REFUSED_PATH = r"^[^?]*(?:%2[fF]|%5[cC]|%[01][0-9a-fA-F]|%7[fF]|[;\\]|[^\x21-\x7e])"
_INTERNAL_PATH = r"^/internal(?:/|$)"  # identity/stage.py is_internal_path, in any letter case
_READS = ("GET", "HEAD")
# nginx's own forwarding failures, answered as the proxy answers its ForwarderErrors.
_ERRORS = (ForwarderError.REQUEST_BODY_TOO_LARGE, ForwarderError.CONNECT_FAILED, ForwarderError.RESPONSE_TIMEOUT)


def write_server(out: Writer, table: RouteTable, names: Names, listen: str) -> None:
    with out.block("server"):
        out.line(f"listen {listen};")
        out.line("server_tokens off;")
        out.comment("Header names with '_' never go upstream (WSGI reads '_' as '-'); invalid names neither.")
        out.line("underscores_in_headers off;")
        out.line("ignore_invalid_headers on;")
        out.line(f"client_max_body_size {table.max_body_bytes};")
        out.line("default_type application/json;")
        out.line()
        _refusals(out)
        _forwarding_headers(out)
        _prefix_locations(out, names)
        _route_locations(out, table, names)
        _own_locations(out)


def _refusals(out: Writer) -> None:
    out.comment("Paths the proxy refuses as ambiguous (routing/normalise.py), and its internal endpoints.")
    with out.block(f"if ($request_uri ~ {quoted(_REFUSED_PATH)})"):
        out.line(f"return 400 {_error_body(400, 'The request path is ambiguous or malformed.')};")
    with out.block(f"if ($uri ~* {quoted(_INTERNAL_PATH)})"):
        out.line(f"return 404 {_error_body(404, 'No such resource.')};")
    out.line()


def _forwarding_headers(out: Writer) -> None:
    out.comment("What the upstream learns about the client (forwarding/headers.py): the client's Host, the")
    out.comment("connection nginx accepted, the request id; no client claim of an identity, hop or scheme.")
    out.line("proxy_http_version 1.1;")
    out.line('proxy_set_header Connection "";')
    out.line("proxy_set_header Host $http_host;")
    out.line("proxy_set_header X-Forwarded-For $remote_addr;")
    out.line("proxy_set_header X-Forwarded-Proto $scheme;")
    out.line("proxy_set_header X-Forwarded-Host $http_host;")
    out.line("proxy_set_header X-Request-ID $strangler_request_id;")
    for name in (*_CLAIM_HEADERS, *IDENTITY_HEADERS):
        out.line(f'proxy_set_header {name} "";')
    out.line("proxy_hide_header X-Request-ID;")
    _response_headers(out)
    for error in _ERRORS:
        out.line(f"error_page {error.status} {ADMIN_PREFIX}error/{error.status};")
    out.line()


def _response_headers(out: Writer) -> None:
    # Repeated in every location that adds a header of its own: nginx then inherits none from the server.
    out.line("add_header X-Request-ID $strangler_request_id always;")


def _prefix_locations(out: Writer, names: Names) -> None:
    out.comment("Route prefixes: each location rewrites to the route its decision picks.")
    for region in names.regions:
        routes = ", ".join(dict.fromkeys(repr(step.route.id) for step in region.steps))
        out.comment(f"routes that can match here, in order: {routes}")
        for location in region.locations:
            out.line(f"{location.directive()} {{ rewrite ^ {names.decision(region)} last; }}")
    out.line()


def _route_locations(out: Writer, table: RouteTable, names: Names) -> None:
    steps = [step for region in names.regions for step in region.steps]
    reached = {step.route.id for step in steps if not step.refuse}
    refused = {step.route.id for step in steps if step.refuse}
    for route in table.routes:
        if route.id in reached:
            _forward_locations(out, route, names)
        if route.id in refused:
            _refuse_location(out, route)


def _forward_locations(out: Writer, route: Route, names: Names) -> None:
    upstreams = [route.upstream, route.candidate] if is_canary(route) else [route.upstream]
    for upstream in upstreams:
        assert upstream is not None
        with out.block(f"location = {route_uri(route, upstream)}"):
            out.line("internal;")
            _proxy_to(out, route, upstream, names)
            if is_shadow(route):
                out.line(f"mirror {mirror_uri(route)};")
    if is_shadow(route):
        assert route.candidate is not None
        with out.block(f"location = {mirror_uri(route)}"):
            out.line("internal;")
            out.comment("Only reads are copied: a copied write would run twice.")
            with out.block(f"if ($request_method !~ {quoted('^(?:' + '|'.join(_READS) + ')$')})"):
                out.line("return 204;")
            _proxy_to(out, route, route.candidate, names)


def _proxy_to(out: Writer, route: Route, upstream: str, names: Names) -> None:
    # The target as the client sent it: after the rewrite, $uri names the internal location.
    out.line(f"proxy_pass {names.schemes[upstream]}://{upstream_block(upstream)}$request_uri;")
    if names.schemes[upstream] == "https":
        out.line("proxy_ssl_server_name on;")
        out.line(f"proxy_ssl_name {names.hosts[upstream]};")
    out.line(f"proxy_connect_timeout {_duration(route.connect_timeout)};")
    out.line(f"proxy_read_timeout {_duration(route.read_timeout)};")


def _refuse_location(out: Writer, route: Route) -> None:
    allowed = ", ".join(sorted(effective_methods(route)))
    with out.block(f"location = {refuse_uri(route)}"):
        out.line("internal;")
        out.line(f"add_header Allow {quoted(allowed)} always;")
        _response_headers(out)
        message = f"$request_method is not served here; this path takes {allowed}."
        out.line(f"return 405 {_error_body(405, message)};")


def _own_locations(out: Writer) -> None:
    out.comment("The proxy's own pages: nothing under /_strangler/ is forwarded.")
    status, body = healthz()
    with out.block(f"location = {ADMIN_PREFIX}healthz"):
        out.line(f"return {status} {single_quoted(body.decode())};")
    for error in _ERRORS:
        with out.block(f"location = {ADMIN_PREFIX}error/{error.status}"):
            out.line("internal;")
            out.line(f"return {error.status} {_error_body(error.status, error.message)};")
    with out.block(f"location ^~ {ADMIN_PREFIX}"):
        out.line(f"return 404 {_error_body(404, 'No such resource.')};")


def _error_body(status: int, message: str) -> str:
    """The contract's Error (strangler_proxy/errors.py) with nginx's request id."""
    return single_quoted(error_json(status, message, "$strangler_request_id").decode())


def _duration(seconds: float) -> str:
    milliseconds = max(1, round(seconds * 1000))
    return f"{milliseconds // 1000}s" if milliseconds % 1000 == 0 else f"{milliseconds}ms"
