"""The live route states in Redis, and every change to them with its audit record.

    strangler:routes:state     hash: route id -> the route's state as JSON (absent: the file's)
    strangler:routes:version   a number raised by every change; proxy processes poll it (live.py)
    strangler:routes:audit     list, newest first (at most AUDIT_KEEP): when, route, action, before,
                               after, reason, who

A change reads the states, computes the next one, checks the whole table with it (state.problems), and
writes state, version and audit record in one MULTI/EXEC under WATCH: two people changing routes at once
never lose either change, and a refused change writes nothing.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis

from strangler_proxy.control.state import ChangeRefused, RouteState, apply, problems
from strangler_proxy.judge.tally import judge_key
from strangler_proxy.redis_link import as_text
from strangler_proxy.shadow.record import counts_key
from strangler_proxy.table import RouteTable

STATE_KEY = "strangler:routes:state"
VERSION_KEY = "strangler:routes:version"
AUDIT_KEY = "strangler:routes:audit"
AUDIT_KEEP = 1000

Change = Callable[[RouteState], RouteState]


@dataclass(frozen=True)
class AuditRecord:
    at: float
    route: str
    action: str
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str
    by: str

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at, "route": self.route, "action": self.action, "before": self.before,
                "after": self.after, "reason": self.reason, "by": self.by}


def decode_states(raw: dict[Any, Any]) -> dict[str, RouteState]:
    """The states as stored (hash field -> JSON), keyed by route id."""
    return {as_text(route): RouteState.from_dict(json.loads(value)) for route, value in raw.items()}



class ControlStore:
    """The command line's side: read the states, change one route, read the history."""

    def __init__(self, client: redis.Redis, table: RouteTable, *, clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.table = table
        self.clock = clock

    def states(self) -> dict[str, RouteState]:
        return decode_states(self.client.hgetall(STATE_KEY))

    def table_in_force(self) -> RouteTable:
        return apply(self.table, self.states())

    def change(self, route_id: str, action: str, change: Change, *, reason: str, by: str) -> AuditRecord:
        """Apply `change` to the route's state; raises ChangeRefused (nothing written) when it is invalid."""
        route = next((route for route in self.table.routes if route.id == route_id), None)
        if route is None:
            raise ChangeRefused(f"no route {route_id!r}; routes: {', '.join(r.id for r in self.table.routes)}")
        with self.client.pipeline() as pipe:
            while True:
                try:
                    return self._change_once(pipe, route_id, action, change, reason=reason, by=by)
                except redis.WatchError:
                    continue  # someone else changed a route meanwhile: read again and decide again

    def _change_once(self, pipe: Any, route_id: str, action: str, change: Change, *, reason: str,
                     by: str) -> AuditRecord:
        pipe.watch(STATE_KEY)
        states = decode_states(pipe.hgetall(STATE_KEY))
        current = apply(self.table, states)
        before = RouteState.of(next(route for route in current.routes if route.id == route_id))
        after = dataclasses.replace(change(before), since=self.clock())
        found = problems(apply(self.table, {**states, route_id: after}))
        if found:
            raise ChangeRefused("; ".join(found))
        record = AuditRecord(self.clock(), route_id, action, before.as_dict(), after.as_dict(), reason, by)
        pipe.multi()
        pipe.hset(STATE_KEY, route_id, json.dumps(after.as_dict()))
        pipe.delete(judge_key(route_id))  # each state's traffic is counted afresh
        if action == "shadow":
            pipe.delete(counts_key(route_id))
        pipe.incr(VERSION_KEY)
        pipe.lpush(AUDIT_KEY, json.dumps(record.as_dict()))
        pipe.ltrim(AUDIT_KEY, 0, AUDIT_KEEP - 1)
        pipe.execute()
        return record

    def history(self, route_id: str | None = None, *, limit: int = 50) -> list[AuditRecord]:
        """The latest changes, newest first (of one route, when `route_id` is given)."""
        records = [AuditRecord(**json.loads(raw)) for raw in self.client.lrange(AUDIT_KEY, 0, AUDIT_KEEP - 1)]
        return [record for record in records if route_id in (None, record.route)][:limit]
