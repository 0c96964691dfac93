"""The four changes the dashboard's forms make, built from the same state functions `strangler shadow |
canary | promote | rollback` use and applied through the same ControlStore.change: checked against the
whole table, written with their audit record in one transaction, or refused with the fix and nothing
written."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import redis

from strangler_proxy.control import state
from strangler_proxy.control.state import ChangeRefused
from strangler_proxy.control.store import AuditRecord, Change, ControlStore
from strangler_proxy.dashboard.web import first
from strangler_proxy.table import RouteTable, Writes

ACTIONS = ("shadow", "canary", "promote", "rollback")


class NotAChange(Exception):
    """The form does not name one of the four changes (not a person's mistake: a broken or forged form)."""


@dataclass(frozen=True)
class Requested:
    route: str
    action: str
    change: Change
    reason: str


def requested(form: Mapping[str, str]) -> Requested:
    """The change a form asks for; raises ChangeRefused when a field a person fills in is unusable."""
    action, route, reason = first(form, "action"), first(form, "route"), first(form, "reason")
    if action not in ACTIONS:
        raise NotAChange(f"the form asks for {action!r}; the changes are {', '.join(ACTIONS)}")
    if not route:
        raise ChangeRefused("choose a route")
    if action == "rollback" and not reason:
        raise ChangeRefused("say why you roll back: the reason goes into the history")
    return Requested(route, action, _change(action, form), reason)


def _change(action: str, form: Mapping[str, str]) -> Change:
    if action == "promote":
        return state.promote
    if action == "rollback":
        return state.rollback
    candidate = first(form, "candidate")
    if not candidate:
        raise ChangeRefused(f"a {action} needs a candidate upstream")
    if action == "shadow":
        writes = _writes(first(form, "writes") or Writes.SKIP.value)
        return lambda current: state.shadow(current, candidate=candidate, writes=writes)
    percent = _percent(first(form, "percent"))
    return lambda current: state.canary(current, candidate=candidate, percent=percent)


def _writes(value: str) -> Writes:
    try:
        return Writes(value)
    except ValueError:
        raise ChangeRefused(f"writes must be one of {', '.join(w.value for w in Writes)}, got {value!r}") from None


def _percent(value: str) -> float:
    try:
        percent = float(value.rstrip("% "))
    except ValueError:
        raise ChangeRefused(f"the share of callers must be a number of percent, got {value!r}") from None
    if not math.isfinite(percent):
        raise ChangeRefused(f"the share of callers must be a number of percent, got {value!r}")
    return percent


def apply(client: redis.Redis, file_table: RouteTable, wanted: Requested, *, by: str) -> AuditRecord:
    """Make the change (synchronous: run it in a thread); raises ChangeRefused, having written nothing."""
    return ControlStore(client, file_table).change(wanted.route, wanted.action, wanted.change, reason=wanted.reason,
                                                   by=by)
