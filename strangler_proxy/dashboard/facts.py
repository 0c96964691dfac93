"""What the dashboard shows, read where `strangler status | history | diffs` read it: the table in force
and the audit history through ControlStore, the judge's counts and verdicts, the shadow reports.

`read_facts` uses the synchronous Redis client the command line and the judge use; the dashboard runs it
in a thread (asyncio.to_thread), one page's reads on one connection.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis

from strangler_proxy.control.store import VERSION_KEY, AuditRecord, ControlStore
from strangler_proxy.judge.stats import p99
from strangler_proxy.judge.tally import ARMS, arm_counts, judge_key, verdict_key
from strangler_proxy.shadow.report import shadow_report
from strangler_proxy.table import Mode, Route, RouteTable

HISTORY_SHOWN = 25


@dataclass(frozen=True)
class Arm:
    """One side of a canary as the fleet counted it since the route's last change."""

    name: str
    upstream: str
    requests: int
    errors: int
    p99_seconds: float | None

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None


@dataclass(frozen=True)
class RouteFacts:
    route: Route
    # The judge's latest verdict (Verdict.as_dict()), if it has judged the route in this state.
    verdict: dict[str, Any] | None
    # A canary's two arms; empty otherwise.
    arms: tuple[Arm, ...]
    # A shadowed route's report (shadow/report.py) with its latest mismatch; None otherwise.
    shadow: dict[str, Any] | None


@dataclass(frozen=True)
class Facts:
    table: RouteTable
    routes: tuple[RouteFacts, ...]
    history: tuple[AuditRecord, ...]
    read_at: float
    # The live states' version in Redis (raised by every change; 0 before the first).
    version: int

    @property
    def moving(self) -> tuple[RouteFacts, ...]:
        """Routes with a candidate at work: shadowed or in a canary."""
        return tuple(facts for facts in self.routes if facts.route.mode is not Mode.NONE)


def read_facts(client: redis.Redis, file_table: RouteTable) -> Facts:
    store = ControlStore(client, file_table)
    version = int(client.get(VERSION_KEY) or 0)
    table = store.table_in_force()
    routes = tuple(_route_facts(client, route) for route in table.routes)
    return Facts(table, routes, tuple(store.history(limit=HISTORY_SHOWN)), time.time(), version)


def _route_facts(client: redis.Redis, route: Route) -> RouteFacts:
    raw_verdict = client.get(verdict_key(route.id))
    verdict = json.loads(raw_verdict) if raw_verdict else None
    arms: tuple[Arm, ...] = ()
    if route.mode is Mode.CANARY and route.candidate is not None:
        tally = client.hgetall(judge_key(route.id))
        upstreams = {"primary": route.upstream, "candidate": route.candidate}
        arms = tuple(_arm(name, upstreams[name], tally) for name in ARMS)
    shadow = shadow_report(client, route.id, limit=1) if route.mode is Mode.SHADOW else None
    return RouteFacts(route, verdict, arms, shadow)


def _arm(name: str, upstream: str, tally: Mapping[bytes | str, bytes | str]) -> Arm:
    requests, errors, buckets = arm_counts(tally, name)
    return Arm(name, upstream, requests, errors, p99(buckets))
