"""The route table in force as nginx configuration: what `strangler export nginx` prints.

The output is an http-context file (upstreams, maps, split_clients, one server block) to include from
nginx.conf, or with `standalone` a whole nginx.conf to run as `nginx -p DIR -c FILE`. How a request
travels through it:

  1. server level: the paths the proxy refuses (400) and /internal/ (404), by the same rules;
  2. a location per route prefix (regions.py) rewrites the request to the route its decision picks,
     `/_strangler/route/<route>/<upstream>`, or to `/_strangler/refuse/<route>` (405 with Allow); a
     canary route picks the upstream with split_clients;
  3. that internal location forwards to the upstream with the route's timeouts (and mirrors reads to
     a shadowed route's candidate). The original request target travels on as $request_uri.

Everything the proxy does that nginx does not is listed in the file's opening comment (gaps.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from chassis import request_id
from strangler_proxy.errors import error_json
from strangler_proxy.export.gaps import ALWAYS, table_gaps
from strangler_proxy.export.regions import ADMIN_PREFIX, Region, Step, regions
from strangler_proxy.forwarding.errors import ForwarderError
from strangler_proxy.observability.health import healthz
from strangler_proxy.routing.match import effective_methods
from strangler_proxy.table import Mode, Route, RouteTable, Upstream

__all__ = ["IDENTITY_HEADERS", "NginxExport", "render_nginx"]

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
_KEEPALIVE = 32
_INDENT = "    "


@dataclass(frozen=True)
class NginxExport:
    """The configuration text, and what this table asks for that nginx does not do (also in the text)."""

    text: str
    gaps: tuple[str, ...]


def render_nginx(table: RouteTable, *, listen: str = "80", standalone: bool = False,
                 origin: str = "") -> NginxExport:
    """`table` (the table in force) as nginx configuration; `origin` says where it came from, for the header."""
    gaps = tuple(table_gaps(table))
    names = _Names(table)
    out = _Writer()
    _header(out, table, origin, gaps, standalone)
    if standalone:
        _main_context(out)
        with out.block("http"):
            _standalone_http(out)
            _http(out, table, names, listen)
    else:
        _http(out, table, names, listen)
    return NginxExport(out.text(), gaps)


# ---------------------------------------------------------------- names
class _Names:
    """The nginx names this export gives to the table's parts (variables take no '-' or '.')."""

    def __init__(self, table: RouteTable) -> None:
        self.regions = regions(table)
        pairs = {pair for region in self.regions for step in region.steps for pair in step.headers}
        self.header_pairs = sorted(pairs)
        canaries = [route for route in table.routes if _is_canary(route)]
        self.arms = {route.id: f"$strangler_arm_{number}" for number, route in enumerate(canaries, start=1)}
        # Locations that choose by method or header each read a decision map; the others rewrite at once.
        self.dynamic = [region for region in self.regions if not region.steps[0].takes_all]
        self.schemes = {name: urlsplit(upstream.url).scheme for name, upstream in table.upstreams.items()}
        self.hosts = {name: urlsplit(upstream.url).hostname or "" for name, upstream in table.upstreams.items()}

    def decision(self, region: Region) -> str:
        """What a location of `region` rewrites to: its decision map's variable, or its one target."""
        if region in self.dynamic:
            return f"$strangler_decision_{self.dynamic.index(region) + 1}"
        return self.target(region.steps[0])

    def header_flag(self, pair: tuple[str, str]) -> str:
        return f"$strangler_header_{self.header_pairs.index(pair) + 1}"

    def decision_key(self) -> str:
        return "$request_method:" + "".join(f"${{{self.header_flag(pair)[1:]}}}" for pair in self.header_pairs)

    def step_pattern(self, step: Step) -> str:
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
        if _is_canary(route):
            return route_uri(route, "${" + self.arms[route.id][1:] + "}")
        return route_uri(route, route.upstream)


def upstream_block(name: str) -> str:
    return f"strangler_{name}"


def route_uri(route: Route, upstream: str) -> str:
    return f"{ADMIN_PREFIX}route/{route.id}/{upstream}"


def refuse_uri(route: Route) -> str:
    return f"{ADMIN_PREFIX}refuse/{route.id}"


def mirror_uri(route: Route) -> str:
    return f"{ADMIN_PREFIX}mirror/{route.id}"


def _is_canary(route: Route) -> bool:
    return route.mode is Mode.CANARY and route.candidate is not None


def _is_shadow(route: Route) -> bool:
    return route.mode is Mode.SHADOW and route.candidate is not None


# ---------------------------------------------------------------- the file
def _header(out: _Writer, table: RouteTable, origin: str, gaps: Sequence[str], standalone: bool) -> None:
    use = ("a whole nginx.conf: run it with nginx -p DIR -c FILE (temporary files go under DIR)" if standalone
           else "an http-context file: include it from nginx.conf's http {} block (e.g. conf.d/strangler.conf)")
    out.comment(f"Generated by `strangler export nginx` from {table.source or 'a route table'}.")
    if origin:
        out.comment(f"Route states: {origin}.")
    out.comment(f"This is {use}.")
    out.comment("Routes keep the table's first-match order: each prefix location decides among the routes")
    out.comment("that can match there, in table order (strangler_proxy/export/regions.py).")
    out.line()
    out.comment("What the kit's proxy does and nginx here does not:")
    for gap in (*ALWAYS, *gaps):
        out.comment(f"  - {gap}")
    out.line()


def _main_context(out: _Writer) -> None:
    out.line("worker_processes auto;")
    out.line("pid nginx.pid;")
    out.line("error_log stderr;")
    with out.block("events"):
        out.line("worker_connections 1024;")


def _standalone_http(out: _Writer) -> None:
    out.line("log_format strangler '$remote_addr \"$request\" $status $body_bytes_sent $request_time "
             "$strangler_request_id';")
    out.line("access_log /dev/stdout strangler;")
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        out.line(f"{kind}_temp_path {kind}_temp;")
    out.line()


def _http(out: _Writer, table: RouteTable, names: _Names, listen: str) -> None:
    _request_id_map(out)
    _header_flags(out, names)
    _canary_splits(out, table, names)
    _decisions(out, names)
    _upstreams(out, table)
    _server(out, table, names, listen)


# ---------------------------------------------------------------- maps
def _request_id_map(out: _Writer) -> None:
    out.comment("The client's X-Request-ID when well formed (chassis.request_id), else a fresh one.")
    with out.block("map $http_x_request_id $strangler_request_id"):
        out.line(f"{quoted('~' + request_id._WELL_FORMED.pattern)} $http_x_request_id;")
        out.line("default $request_id;")
    out.line()


def _header_flags(out: _Writer, names: _Names) -> None:
    if not names.header_pairs:
        return
    out.comment("Route header filters: 1 when the request carries the exact value (map strings ignore case,")
    out.comment("so each is a regular expression).")
    for pair in names.header_pairs:
        name, value = pair
        with out.block(f"map $http_{name.lower().replace('-', '_')} {names.header_flag(pair)}"):
            out.line(f"{quoted('~^' + re.escape(value) + '$')} 1;")
            out.line("default 0;")
    out.line()


def _canary_splits(out: _Writer, table: RouteTable, names: _Names) -> None:
    if not names.arms:
        return
    out.comment("Canary sides: the caller is the strangler_caller cookie, else the client address. The")
    out.comment("candidate takes the first share of the hash, so raising the percent only adds callers.")
    with out.block("map $cookie_strangler_caller $strangler_caller"):
        out.line('"" $remote_addr;')
        out.line("default $cookie_strangler_caller;")
    for route in table.routes:
        if route.id not in names.arms:
            continue
        assert route.candidate is not None
        with out.block(f"split_clients {quoted('${strangler_caller}/' + route.id)} {names.arms[route.id]}"):
            out.line(f"{_percent(route.percent)} {route.candidate};  # route {route.id!r}")
            if route.percent < 100:
                out.line(f"* {route.upstream};")
    out.line()


def _percent(percent: float) -> str:
    # The proxy's points lie on a 0.01 grid (control/arms.py): a share rounded up to it is the same callers.
    hundredths = math.ceil(round(percent * 100, 6))
    return f"{hundredths / 100:g}%"


def _decisions(out: _Writer, names: _Names) -> None:
    if not names.dynamic:
        return
    out.comment("Where a location has to choose by method or header: the first line that matches wins,")
    out.comment("in the table's order (key: METHOD:one 0/1 flag per header filter).")
    for region in names.dynamic:
        out.comment(", ".join(location.directive() for location in region.locations))
        with out.block(f"map {quoted(names.decision_key())} {names.decision(region)}"):
            for step in region.steps[:-1]:
                out.line(f"{quoted(names.step_pattern(step))} {names.target(step)};  # {_describe(step)}")
            last = region.steps[-1]
            out.line(f"default {names.target(last)};  # {_describe(last)}")
    out.line()


def _describe(step: Step) -> str:
    route = step.route
    if step.refuse:
        return f"route {route.id!r} is exclusive: 405"
    return f"route {route.id!r}"


# ---------------------------------------------------------------- upstreams
def _upstreams(out: _Writer, table: RouteTable) -> None:
    for upstream in table.upstreams.values():
        out.comment(f"upstream {upstream.name!r} ({upstream.url_env}={upstream.url})")
        with out.block(f"upstream {upstream_block(upstream.name)}"):
            out.line(f"server {_server_address(upstream)};")
            out.line(f"keepalive {_KEEPALIVE};")
    out.line()


def _server_address(upstream: Upstream) -> str:
    parts = urlsplit(upstream.url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# ---------------------------------------------------------------- the server
def _server(out: _Writer, table: RouteTable, names: _Names, listen: str) -> None:
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
        _error_pages(out)
        _prefix_locations(out, names)
        _route_locations(out, table, names)
        _admin_locations(out)


def _refusals(out: _Writer) -> None:
    out.comment("Paths the proxy refuses as ambiguous (routing/normalise.py), and its internal endpoints.")
    with out.block(f"if ($request_uri ~ {quoted(_REFUSED_PATH)})"):
        out.line(f"return 400 {_error_body(400, 'The request path is ambiguous or malformed.')};")
    with out.block(f"if ($uri ~* {quoted(_INTERNAL_PATH)})"):
        out.line(f"return 404 {_error_body(404, 'No such resource.')};")
    out.line()


def _forwarding_headers(out: _Writer) -> None:
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
    out.line()


def _response_headers(out: _Writer) -> None:
    # Repeated in every location that adds a header of its own: nginx then inherits none from the server.
    out.line("add_header X-Request-ID $strangler_request_id always;")


def _error_pages(out: _Writer) -> None:
    out.comment("nginx's own forwarding errors, in the contract's JSON (forwarding/errors.py).")
    for error in (ForwarderError.REQUEST_BODY_TOO_LARGE, ForwarderError.CONNECT_FAILED,
                  ForwarderError.RESPONSE_TIMEOUT):
        out.line(f"error_page {error.status} {ADMIN_PREFIX}error/{error.status};")
    out.line()


def _prefix_locations(out: _Writer, names: _Names) -> None:
    out.comment("Route prefixes: each location rewrites to the route its decision picks.")
    for region in names.regions:
        target = names.decision(region)
        routes = ", ".join(dict.fromkeys(repr(step.route.id) for step in region.steps))
        out.comment(f"routes that can match here, in order: {routes}")
        for location in region.locations:
            out.line(f"{location.directive()} {{ rewrite ^ {target} last; }}")
    out.line()


def _route_locations(out: _Writer, table: RouteTable, names: _Names) -> None:
    reached = {step.route.id: step.route for region in names.regions for step in region.steps if not step.refuse}
    refused = {step.route.id: step.route for region in names.regions for step in region.steps if step.refuse}
    for route in table.routes:
        if route.id in reached:
            _forward_locations(out, route, names)
        if route.id in refused:
            _refuse_location(out, route)


def _forward_locations(out: _Writer, route: Route, names: _Names) -> None:
    upstreams = [route.upstream, route.candidate] if _is_canary(route) else [route.upstream]
    for upstream in upstreams:
        assert upstream is not None
        with out.block(f"location = {route_uri(route, upstream)}"):
            out.line("internal;")
            _proxy_to(out, route, upstream, names)
            if _is_shadow(route):
                out.line(f"mirror {mirror_uri(route)};")
    if _is_shadow(route):
        assert route.candidate is not None
        with out.block(f"location = {mirror_uri(route)}"):
            out.line("internal;")
            out.comment("Only reads are copied: a copied write would run twice.")
            with out.block(f"if ($request_method !~ {quoted('^(?:' + '|'.join(_READS) + ')$')})"):
                out.line("return 204;")
            _proxy_to(out, route, route.candidate, names)


def _proxy_to(out: _Writer, route: Route, upstream: str, names: _Names) -> None:
    out.line(f"proxy_pass {names.schemes[upstream]}://{upstream_block(upstream)}$request_uri;")
    if names.schemes[upstream] == "https":
        out.line("proxy_ssl_server_name on;")
        out.line(f"proxy_ssl_name {names.hosts[upstream]};")
    out.line(f"proxy_connect_timeout {_duration(route.connect_timeout)};")
    out.line(f"proxy_read_timeout {_duration(route.read_timeout)};")


def _refuse_location(out: _Writer, route: Route) -> None:
    allowed = ", ".join(sorted(effective_methods(route)))
    with out.block(f"location = {refuse_uri(route)}"):
        out.line("internal;")
        out.line(f"add_header Allow {quoted(allowed)} always;")
        _response_headers(out)
        message = f"$request_method is not served here; this path takes {allowed}."
        out.line(f"return 405 {_error_body(405, message)};")


def _admin_locations(out: _Writer) -> None:
    out.comment("The proxy's own pages: nothing under /_strangler/ is forwarded.")
    status, body = healthz()
    with out.block(f"location = {ADMIN_PREFIX}healthz"):
        out.line(f"return {status} {single_quoted(body.decode())};")
    for error in (ForwarderError.REQUEST_BODY_TOO_LARGE, ForwarderError.CONNECT_FAILED,
                  ForwarderError.RESPONSE_TIMEOUT):
        with out.block(f"location = {ADMIN_PREFIX}error/{error.status}"):
            out.line("internal;")
            out.line(f"return {error.status} {_error_body(error.status, error.message)};")
    with out.block(f"location ^~ {ADMIN_PREFIX}"):
        out.line(f"return 404 {_error_body(404, 'No such resource.')};")


def _error_body(status: int, message: str) -> str:
    return single_quoted(error_json(status, message, "$strangler_request_id").decode())


def _duration(seconds: float) -> str:
    milliseconds = max(1, round(seconds * 1000))
    return f"{milliseconds // 1000}s" if milliseconds % 1000 == 0 else f"{milliseconds}ms"


# ---------------------------------------------------------------- text
def quoted(text: str) -> str:
    """`text` as one nginx argument in double quotes (nginx reads \\\\ as \\ and \\" as ")."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def single_quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class _Writer:
    """Lines of configuration, indented by the blocks they are in."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def line(self, text: str = "") -> None:
        self.lines.append(_INDENT * self.depth + text if text else "")

    def comment(self, text: str) -> None:
        self.line(f"# {text}")

    @contextmanager
    def block(self, head: str) -> Iterator[None]:
        self.line(head + " {")
        self.depth += 1
        yield
        self.depth -= 1
        self.line("}")

    def text(self) -> str:
        return "\n".join(self.lines).rstrip("\n") + "\n"
