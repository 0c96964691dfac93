"""What the kit's proxy does that an nginx export does not: always, and for one table in particular.

`ALWAYS` holds what no export reproduces (README.md in this package says why); `table_gaps(table)` lists
what one table asks for that nginx will not do, each sentence naming the route and what nginx does
instead. nginx.py writes both into the configuration as comments; the command line prints the table's.
"""

from __future__ import annotations

from strangler_proxy.export.regions import nginx_sees_header
from strangler_proxy.table import Mode, Route, RouteTable, Writes

__all__ = ["ALWAYS", "table_gaps"]

ALWAYS = (
    "response diffs: nginx mirrors a shadowed route's reads and discards the candidate's answer unread",
    "dry-run writes: nginx cannot sign the shadow marker, so a shadowed route's writes are never copied",
    "judgement and automatic rollback: nothing watches a candidate's errors or moves a route back",
    ("sticky monotone per-user canary sides: split_clients hashes the strangler_caller cookie (else the "
     "client address), never the signed-in user"),
    "circuit breaking per upstream, and a canary candidate's fallback to the primary when it fails",
    ("identity: nginx neither resolves nor signs the caller (no X-Strangler-Identity upstream, no 401 for "
     "login_required) and strips identity headers by name, not by prefix"),
    "rate limits: no plan, anonymous or per API key, is applied",
    ("live changes: the export is a snapshot; after `strangler canary|promote|rollback` export again and "
     "reload nginx"),
    ("paths: nginx routes on its normalised path but forwards the path as the client wrote it (the proxy "
     "forwards its normalised form)"),
    "header filters: nginx reads the first of a repeated header; the proxy accepts any of its values",
    "TRUSTED_PROXIES: X-Forwarded-For/Proto/Host always describe nginx's own client connection",
    "the proxy's own pages: of /_strangler/healthz, readyz and metrics, only healthz is answered",
)


def table_gaps(table: RouteTable) -> list[str]:
    """Every way nginx serves this table differently from the proxy, one sentence each."""
    return [gap for route in table.routes for gap in _route_gaps(route)]


def _route_gaps(route: Route) -> list[str]:
    where = f"route {route.id!r}"
    found = []
    unseen = [name for name, _ in route.headers if not nginx_sees_header(name)]
    if unseen:
        found.append(f"{where} filters on header {', '.join(map(repr, unseen))}, a name nginx drops (it reads "
                     "only letters, digits and '-'); under nginx the route never matches")
    if route.login_required:
        found.append(f"{where} has login_required: nginx does not answer 401 to anonymous callers")
    if route.mode is Mode.CANARY:
        found.append(f"{where} is a canary ({route.percent:g} % to {route.candidate!r}): sides follow the "
                     f"strangler_caller cookie or the client address, and {route.upstream!r} does not answer "
                     f"when {route.candidate!r} fails")
    if route.mode is Mode.SHADOW:
        writes = ("; writes = dry-run is not reproduced: writes are not copied"
                  if route.writes is Writes.DRY_RUN else "")
        found.append(f"{where} is shadowed to {route.candidate!r}: reads are mirrored and the answers not "
                     f"compared{writes}")
    return found
