"""The phases of a module and the steps between them, each gated and each reversible.

    off ──sync-on──► sync ──backfill──► backfilled ──switch-reads──► reads ──switch-writes──► writes ──retire──► retired
     ◄──────back─────  ◄──────back──────  ◄─────────back─────────  ◄──────────back─────────  ◄────back────

Every step forward past the backfill runs a reconciliation first and refuses, changing nothing, unless
it reports zero differences. Switching writes freezes the module (no side owns it, so both sides refuse
writes), drains the relay, reconciles, and only then names the new owner; stepping back does the same
the other way, so no write made on either side is lost. Retiring stops the sync and leaves the origin's
copy read-only; stepping back from it copies the owner's rows to the origin again before the sync resumes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from datasync.backfill import Report, backfill
from datasync.reconcile import Result, keep_result, reconcile
from datasync.relay import drain, relay_batch
from datasync.sql import DatabaseError
from datasync.store import PHASES, Sides, State, current, state_save


class PhaseRefused(Exception):
    """A step cannot be taken now; the message says why and what to do."""


@dataclass
class Step:
    """What a step did: the phase before and after, and what it proved on the way."""

    module: str
    before: str
    after: str
    proofs: list[str] = field(default_factory=list)
    reconciliation: dict[str, Any] | None = None
    problem: str | None = None  # what stopped the step short of what it set out to do

    def as_dict(self) -> dict[str, Any]:
        return {"module": self.module, "before": self.before, "after": self.after, "proofs": self.proofs,
                "reconciliation": self.reconciliation, "problem": self.problem}


def sync_on(sides: Sides) -> Step:
    """Install the mechanism on both sides and start capturing the origin's writes."""
    state = current(sides)
    if state.phase not in ("off", "sync"):
        return _recapture(sides, state)
    for database in sides.databases.values():
        database.install_tables()
    before = state.phase
    state = State(sides.module.name, phase="sync", owner=sides.module.origin.name, reads=sides.module.origin.name,
                  detail=state.detail)
    state_save(sides, state)
    for database in sides.databases.values():
        database.install_capture(sides.module)
    return Step(sides.module.name, before, "sync",
                [f"capture triggers on {', '.join(sides.databases)}", f"owner: {state.owner}"])


def _recapture(sides: Sides, state: State) -> Step:
    """Past sync-on, the triggers are put back where they belong (SQLite drops them when a migration
    rebuilds a table); the state is not touched."""
    retired = state.phase == "retired"
    restored = []
    for database in sides.databases.values():  # tables a newer version added (CREATE ... IF NOT EXISTS)
        database.install_tables()
    for name, database in sides.databases.items():
        if not (retired and name != sides.module.origin.name) and not database.has_capture(sides.module):
            database.install_capture(sides.module)
            restored.append(name)
    return Step(sides.module.name, state.phase, state.phase,
                [f"capture triggers restored on {', '.join(restored)}" if restored else "capture triggers in place"])


def release(sides: Sides) -> Step:
    """What a release does for a module: sync on, and the first backfill, so every stack starts with the
    service's copy filled and kept current. A module a person stepped back to `off` stays off (a fresh
    one has no recorded state); past sync-on only the triggers are checked (SQLite drops them when a
    migration rebuilds the table)."""
    state = current(sides)
    if state.phase == "off" and state.updated_at:
        return Step(sides.module.name, "off", "off", [f"stepped back to off at {state.updated_at}: left off "
                                                      f"(`strangler data sync-on {sides.module.name}` starts it)"])
    step = sync_on(sides)
    if step.after != "sync":
        return step
    try:
        backfilled, _ = start_backfill(sides)
    except DatabaseError as error:
        if not error.row_refused:
            raise
        # The deploy goes on (the sync is on, every new change flows); the copy waits for a person.
        return Step(sides.module.name, step.before, "sync", step.proofs, problem=(
            f"backfill stopped: {error}. Fix the row, then run `strangler data backfill {sides.module.name}`"))
    return Step(sides.module.name, step.before, backfilled.after, step.proofs + backfilled.proofs)


def start_backfill(sides: Sides, **options: Any) -> tuple[Step, Report]:
    before = current(sides).phase
    report = backfill(sides, **options)
    state = current(sides)
    state.detail["backfill"] = report.as_dict()
    if state.phase == "sync":
        state.phase = "backfilled"
    state_save(sides, state)
    proofs = [f"{report.copied} rows copied in {report.batches} batches, each checksummed "
              f"({report.differing_batches} changed during the copy and copied again)",
              f"re-verified from the event stream in {len(report.rounds)} round(s): {report.rounds}",
              f"{report.remaining} rows still in flight"]
    return Step(sides.module.name, before, state.phase, proofs), report


def _gate(sides: Sides, step: str) -> Result:
    drain(sides)
    result = reconcile(sides)
    if result.differences:
        raise PhaseRefused(f"{step} refused for module {sides.module.name}: reconciliation found "
                           f"{len(result.missing)} missing, {len(result.extra)} extra and {len(result.differing)} "
                           f"differing rows. Run `strangler data verify {sides.module.name} --repair`, then again.")
    return result


def _expect(state: State, *phases: str, step: str) -> None:
    if state.phase not in phases:
        raise PhaseRefused(f"{step} needs module {state.module} in phase {' or '.join(phases)}; it is in "
                           f"{state.phase}.")


def switch_reads(sides: Sides) -> Step:
    state = current(sides)
    _expect(state, "backfilled", step="switch-reads")
    result = _gate(sides, "switch-reads")
    state = current(sides)
    state.phase, state.reads = "reads", sides.module.target.name
    state_save(sides, state)
    return Step(sides.module.name, "backfilled", "reads", ["reconciliation: 0 differences",
                                                          f"reads: {state.reads}"], result.as_dict())


def switch_writes(sides: Sides) -> Step:
    state = current(sides)
    _expect(state, "reads", step="switch-writes")
    if not sides.module.reversible:
        raise PhaseRefused(f"module {sides.module.name} syncs one way only; its writes do not switch.")
    result = _flip(sides, state, to=sides.module.target.name, step="switch-writes")
    return Step(sides.module.name, "reads", "writes", [
        "writes frozen on both sides, relay drained", "reconciliation: 0 differences",
        f"owner: {sides.module.target.name}; {sides.module.origin.name} refuses writes; the sync runs "
        f"{sides.module.target.name} → {sides.module.origin.name}"], result.as_dict())


def _flip(sides: Sides, state: State, *, to: str, step: str) -> Result:
    """Freeze (nobody owns), drain, reconcile, then hand ownership to `to`; thawed back on refusal."""
    previous = state.owner
    state.owner = None
    state_save(sides, state, first=previous)
    try:
        drain_from = State(state.module, phase=state.phase, owner=previous, reads=state.reads, detail=state.detail)
        _drain_as(sides, drain_from)
        result = reconcile(sides, record=False)
        if result.differences:
            raise PhaseRefused(f"{step} refused for module {sides.module.name}: after draining, reconciliation "
                               f"found {result.differences} differences; the owner stays {previous}. Run "
                               f"`strangler data verify {sides.module.name} --repair` and try again.")
    except BaseException:
        state.owner = previous
        state_save(sides, state)
        raise
    state.owner = to
    state.phase = "writes" if to == sides.module.target.name else "reads"
    state_save(sides, state)
    keep_result(sides, result)  # taken while frozen, kept once the owner is named
    return result


def _drain_as(sides: Sides, state: State) -> None:
    """Drain the outbox of the side that owned the module until the freeze (the frozen state names nobody)."""
    if state.owner is None:
        return
    while relay_batch(sides.module, sides[state.owner], sides.other(state.owner)).events:
        pass


def retire(sides: Sides) -> Step:
    state = current(sides)
    _expect(state, "writes", step="retire")
    result = _gate(sides, "retire")
    for database in sides.databases.values():
        if database.side.name != sides.module.origin.name:
            database.drop_capture(sides.module)
    state = current(sides)
    state.phase = "retired"
    state_save(sides, state)
    return Step(sides.module.name, "writes", "retired", [
        "reconciliation: 0 differences", f"sync stopped; {sides.module.origin.name}'s copy is read-only"],
        result.as_dict())


def back(sides: Sides) -> Step:
    """One phase back from wherever the module is, losing no write."""
    state = current(sides)
    before = state.phase
    if before == "off":
        raise PhaseRefused(f"module {sides.module.name} is off: there is nothing to step back from.")
    if before == "retired":
        return _unretire(sides, state)
    if before == "writes":
        result = _flip(sides, state, to=sides.module.origin.name, step="back from writes")
        return Step(sides.module.name, before, "reads", [
            "writes frozen, the service's outbox drained into the origin", "reconciliation: 0 differences",
            f"owner: {sides.module.origin.name} again"], result.as_dict())
    if before == "reads":
        state.phase, state.reads = "backfilled", sides.module.origin.name
        state_save(sides, state)
        return Step(sides.module.name, before, "backfilled", [f"reads: {state.reads}"])
    for database in sides.databases.values():  # sync or backfilled: the origin owns every row already
        database.drop_capture(sides.module)
    state.phase, state.owner = "off", None
    state_save(sides, state)
    return Step(sides.module.name, before, "off", ["capture triggers dropped; the origin's writes are free"])


def _unretire(sides: Sides, state: State) -> Step:
    for database in sides.databases.values():
        database.install_capture(sides.module)
    state.phase = "writes"
    state_save(sides, state)
    report = backfill(sides)
    reconcile(sides, repair=True)  # rows deleted while retired are not in any outbox: the repair removes them
    result = _gate(sides, "back from retired")
    return Step(sides.module.name, "retired", "writes", [
        f"sync resumed; {report.copied} rows copied to {sides.module.origin.name} again",
        "reconciliation: 0 differences"], result.as_dict())


__all__ = ["PHASES", "PhaseRefused", "Step", "back", "release", "retire", "start_backfill", "switch_reads", "switch_writes",
           "sync_on"]
