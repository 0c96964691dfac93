"""A route's live state and the four changes a team makes to it while the route serves.

    shadow ROUTE --candidate UP     the candidate gets a copy of each request; clients get the primary's answer
    canary ROUTE --candidate UP -p  N % of callers get the candidate (each caller always the same arm)
    promote ROUTE                   the candidate becomes the primary; the old primary stays as fallback
    rollback ROUTE                  the candidate is dropped, or after a promote the fallback is primary again

Each change is a pure function from the current state to the next; `apply` lays the states over the
file's table, and `problems` checks the whole result, so a change that would leave any route invalid is
refused with its fix and changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from strangler_proxy.table import Mode, Route, RouteTable, Writes


class ChangeRefused(Exception):
    """The change would leave the table invalid (or has nothing to change); the message says the fix."""


@dataclass(frozen=True)
class RouteState:
    """What live control may change on a route; the rest (prefix, methods, timeouts) is the file's."""

    upstream: str
    candidate: str | None = None
    mode: Mode = Mode.NONE
    percent: float = 0.0
    writes: Writes = Writes.SKIP
    fallback: str | None = None
    steps: tuple[float, ...] = ()
    step_seconds: float = 0.0
    since: float = 0.0

    @classmethod
    def of(cls, route: Route) -> RouteState:
        return cls(route.upstream, route.candidate, route.mode, route.percent, route.writes, route.fallback,
                   route.steps, route.step_seconds, route.since)

    def as_dict(self) -> dict[str, Any]:
        return {"upstream": self.upstream, "candidate": self.candidate, "mode": self.mode.value,
                "percent": self.percent, "writes": self.writes.value, "fallback": self.fallback,
                "steps": list(self.steps), "step_seconds": self.step_seconds, "since": self.since}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RouteState:
        return cls(upstream=data["upstream"], candidate=data.get("candidate"), mode=Mode(data.get("mode", "none")),
                   percent=float(data.get("percent", 0.0)), writes=Writes(data.get("writes", "skip")),
                   fallback=data.get("fallback"), steps=tuple(float(step) for step in data.get("steps", ())),
                   step_seconds=float(data.get("step_seconds", 0.0)), since=float(data.get("since", 0.0)))


# ---------------------------------------------------------------- the changes
def shadow(state: RouteState, *, candidate: str, writes: Writes = Writes.SKIP) -> RouteState:
    return dataclasses.replace(state, candidate=candidate, mode=Mode.SHADOW, percent=0.0, writes=writes)


def canary(state: RouteState, *, candidate: str, percent: float, steps: tuple[float, ...] = (),
           step_seconds: float = 0.0) -> RouteState:
    """`percent` of callers on the candidate; with `steps`, the percents the judge moves it to, one at a
    time, each after a passing verdict and at least `step_seconds` after the last."""
    for share in (percent, *steps):
        if not 0 < share <= 100:
            raise ChangeRefused(f"a canary's percent must be above 0 and at most 100, got {share:g}; "
                                "to send the candidate nothing, roll back")
    if list(steps) != sorted(steps) or (steps and steps[0] <= percent):
        raise ChangeRefused(f"steps must rise above the first percent {percent:g}: got {', '.join(map(str, steps))}")
    return dataclasses.replace(state, candidate=candidate, mode=Mode.CANARY, percent=float(percent),
                               steps=tuple(float(step) for step in steps), step_seconds=float(step_seconds))


def advance(state: RouteState) -> RouteState:
    """A stepped canary's next percent (the judge calls this on a passing verdict)."""
    if state.mode is not Mode.CANARY or not state.steps:
        raise ChangeRefused("the route is not a stepped canary with a step to go")
    return dataclasses.replace(state, percent=state.steps[0], steps=state.steps[1:])


def promote(state: RouteState) -> RouteState:
    if state.candidate is None:
        raise ChangeRefused("the route has no candidate to promote; shadow or canary one first")
    return RouteState(upstream=state.candidate, fallback=state.upstream)


def rollback(state: RouteState) -> RouteState:
    if state.candidate is not None:
        return RouteState(upstream=state.upstream, fallback=state.fallback)
    if state.fallback is not None:
        return RouteState(upstream=state.fallback)
    raise ChangeRefused("the route has neither a candidate nor a fallback: there is nothing to roll back")


# ---------------------------------------------------------------- the table in force
def apply(table: RouteTable, states: Mapping[str, RouteState]) -> RouteTable:
    """`table` with each route whose id `states` names changed to that state (unknown ids are ignored:
    a route removed from the file takes its live state with it)."""
    routes = tuple(_applied(route, states.get(route.id)) for route in table.routes)
    return dataclasses.replace(table, routes=routes)


def _applied(route: Route, state: RouteState | None) -> Route:
    if state is None:
        return route
    return dataclasses.replace(route, upstream=state.upstream, candidate=state.candidate, mode=state.mode,
                               percent=state.percent, writes=state.writes, fallback=state.fallback,
                               steps=state.steps, step_seconds=state.step_seconds, since=state.since)


def problems(table: RouteTable) -> list[str]:
    """Every way a route's live fields are inconsistent with the table, each with its fix."""
    found = []
    for route in table.routes:
        found += [f"route {route.id!r}: {problem}" for problem in _route_problems(route, table.upstreams)]
    return found


def _route_problems(route: Route, upstreams: Mapping[str, object]) -> list[str]:
    found = []
    for field, name in (("upstream", route.upstream), ("candidate", route.candidate), ("fallback", route.fallback)):
        if name is not None and name not in upstreams:
            found.append(f"{field} {name!r} is not a declared upstream; known upstreams: {', '.join(upstreams)}")
    if route.candidate is not None and route.candidate == route.upstream:
        found.append(f"candidate {route.candidate!r} is the route's upstream already; name another upstream")
    if route.mode is not Mode.NONE and route.candidate is None:
        found.append(f"mode {route.mode.value} needs a candidate; name one, or roll back")
    if route.mode is Mode.CANARY and not 0 < route.percent <= 100:
        found.append(f"a canary's percent must be above 0 and at most 100, got {route.percent:g}")
    return found
