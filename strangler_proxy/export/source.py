"""The route table in force, as the proxy serves it: the file's, with the live states in Redis laid over it.

An export without the live states would be wrong without saying so: after `strangler promote` the file
still names the old primary, so nginx would quietly send the route back. So when the live states cannot
be read (REDIS_URL unset or Redis unreachable) the export fails, saying so; `live=False` (the command
line's --file-only) exports the file's table alone, on purpose.

    ExportFailed(Exception)   the table or its live states cannot be read; the message says the fix
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import redis

from strangler_proxy.configuration.errors import RouteTableInvalid
from strangler_proxy.configuration.loader import load_route_table
from strangler_proxy.control.state import RouteState, apply, problems
from strangler_proxy.control.store import ControlStore
from strangler_proxy.table import RouteTable

__all__ = ["ExportFailed", "InForce", "table_in_force"]

# A command should answer at once when Redis is down, not after redis-py's default of no timeout.
REDIS_TIMEOUT = 3.0
_PASSWORD = re.compile(r"(//[^:/@]*):[^@/]*@")
NO_LIVE = "or pass --file-only to export the file's table alone"


class ExportFailed(Exception):
    """The table or its live states cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class InForce:
    """The table to export, and a phrase saying where its routes' states came from."""

    table: RouteTable
    origin: str


def table_in_force(path: Path, environ: Mapping[str, str], *, live: bool = True) -> InForce:
    """The table at `path` (upstream URLs from `environ`) with the live states at REDIS_URL laid over it;
    with `live=False`, the file's table alone. Raises ExportFailed."""
    try:
        table = load_route_table(path, environ)
    except RouteTableInvalid as invalid:
        raise ExportFailed(str(invalid)) from None
    if not live:
        return InForce(table, "the file's alone (live states in Redis not read)")
    url = environ.get("REDIS_URL", "")
    states = _live_states(table, url)
    in_force = apply(table, states)
    found = problems(in_force)
    if found:
        raise ExportFailed("the live route states in Redis do not fit the route table (the proxy keeps its "
                           "last table in this case): " + "; ".join(found) + f"; fix them with `strangler`, {NO_LIVE}")
    changed = sorted(route_id for route_id in states if any(route.id == route_id for route in table.routes))
    return InForce(in_force, f"the file's, with the live states in Redis at {_shown(url)} "
                             f"({', '.join(changed) or 'none'} changed)")


def _live_states(table: RouteTable, url: str) -> dict[str, RouteState]:
    if not url:
        raise ExportFailed(f"REDIS_URL is not set, so the live route states cannot be read; set it (or load it "
                           f"with --env-file), {NO_LIVE}")
    try:
        client = redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=REDIS_TIMEOUT,
                                      socket_timeout=REDIS_TIMEOUT)
    except ValueError as error:
        raise ExportFailed(f"REDIS_URL={_shown(url)} is not a Redis URL ({error}); use redis://host:6379/0, "
                           f"{NO_LIVE}") from None
    try:
        return ControlStore(client, table).states()
    except redis.RedisError as error:
        raise ExportFailed(f"cannot read the live route states from Redis at {_shown(url)} ({error}); start "
                           f"Redis or correct REDIS_URL, {NO_LIVE}") from None
    finally:
        client.close()


def _shown(url: str) -> str:
    """`url` without its password, for messages and the file's header."""
    return _PASSWORD.sub(r"\1:***@", url)
