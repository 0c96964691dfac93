"""The relay: the owner's outbox, in order, applied on the other side, once.

At-least-once delivery with an idempotent apply, which together apply each change exactly once:

1. read the oldest unpublished events of the module from the owner's outbox (by outbox id, which per
   row is commit order: the capturing transaction holds the row's lock while it takes its id);
2. in ONE transaction on the other side: drop the events already applied (`datasync_applied`, by event
   id), keep per row only the newest, drop those not newer than the version applied last
   (`datasync_version`), upsert or delete the rows, record the event ids and versions;
3. only then mark the events published on the owner.

Killed between 2 and 3, the events are sent again and step 2 recognises every one of them. Published
events, and applied ids, older than the retention are pruned. A row the other side refuses is parked
(`datasync_parked`) and the rest go on; see `_apply_row_by_row`.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from dataclasses import dataclass
from types import FrameType

from datasync import sql
from datasync.spec import Module
from datasync.store import Sides, current, open_sides, unpark

logger = logging.getLogger("datasync.relay")


@dataclass
class Moved:
    """What one batch did: events read, rows written, events already applied, events older than the row,
    rows parked."""

    events: int = 0
    applied: int = 0
    duplicates: int = 0
    stale: int = 0
    parked: int = 0  # rows the other side refused (see _apply_row_by_row)

    def add(self, other: Moved) -> None:
        self.events += other.events
        self.applied += other.applied
        self.duplicates += other.duplicates
        self.stale += other.stale
        self.parked += other.parked


def relay_batch(module: Module, source: sql.Database, sink: sql.Database, *, limit: int = 500) -> Moved:
    """Move up to `limit` waiting events from `source` (the owner) to `sink`."""
    events = source.rows(f"SELECT id, event_id, aggregate_id, {sql.payload_text(source)} FROM datasync_outbox "
                         "WHERE module = %s AND published_at IS NULL ORDER BY id LIMIT %s", [module.name, limit])
    if not events:
        return Moved()
    try:
        with sink.transaction():
            sql.serialise(sink)
            moved = _apply(module, source.side.name, sink, events, Moved(events=len(events)))
    except sql.DatabaseError as error:
        if not error.row_refused:
            raise
        moved = _apply_row_by_row(module, source.side.name, sink, events)
    if moved.applied:
        sink.applied()
    ids = json.dumps([str(event[0]) for event in events])
    with source.transaction():
        source.execute(f"UPDATE datasync_outbox SET published_at = {sql.now(source)} WHERE id IN "
                       f"(SELECT CAST(value AS BIGINT) FROM {sql.json_texts(source)})", [ids])
    return moved


def _apply(module: Module, origin: str, sink: sql.Database, events: list[tuple], moved: Moved) -> Moved:
    event_ids = json.dumps([event[1] for event in events])
    seen = {row[0] for row in sink.rows(f"SELECT event_id FROM datasync_applied WHERE event_id IN "
                                        f"(SELECT value FROM {sql.json_texts(sink)})", [event_ids])}
    fresh = [event for event in events if event[1] not in seen]
    moved.duplicates = len(events) - len(fresh)
    newest: dict[str, tuple] = {}
    for event in fresh:  # ordered by id: the last one per row wins
        newest[event[2]] = event
    applied = _versions(sink, module, origin, list(newest))
    current_events = [event for key, event in newest.items() if int(event[0]) > applied.get(key, 0)]
    moved.stale = len(fresh) - len(current_events)
    moved.applied = len(current_events)
    sink.mark_applying()
    upserts = [event[3] for event in current_events if event[3] is not None]
    if upserts:
        sink.upsert(module, "[" + ",".join(upserts) + "]")
    deletes = [event[2] for event in current_events if event[3] is None]
    if deletes:
        sink.delete_keys(module, deletes)
    sink.unmark_applying()
    _record(sink, module, origin, fresh, current_events)
    unpark(sink, module, [event[2] for event in current_events])
    return moved


def _apply_row_by_row(module: Module, origin: str, sink: sql.Database, events: list[tuple]) -> Moved:
    """The batch again, one row's events per transaction: a row the other side refuses (a constraint it
    has and the owner lacks: an order whose user it does not know) is parked, and the others go on. The
    parked row's events count as applied; the row stays different, so reconciliation reports it and the
    gated steps refuse until `strangler data verify --repair` copies it once its cause is fixed."""
    moved = Moved(events=len(events))
    by_row: dict[str, list[tuple]] = {}
    for event in events:
        by_row.setdefault(event[2], []).append(event)
    for key, row_events in by_row.items():
        try:
            with sink.transaction():
                sql.serialise(sink)
                done = _apply(module, origin, sink, row_events, Moved(events=len(row_events)))
        except sql.DatabaseError as error:
            if not error.row_refused:
                raise
            _park(module, origin, sink, key, row_events, str(error))
            moved.parked += 1
            continue
        moved.applied += done.applied
        moved.duplicates += done.duplicates
        moved.stale += done.stale
    return moved


def _park(module: Module, origin: str, sink: sql.Database, key: str, row_events: list[tuple], error: str) -> None:
    logger.warning("row refused by the other side: parked", extra={
        "datasync_module": module.name, "key": key, "to": sink.side.name, "error": error})
    with sink.transaction():
        sink.execute("INSERT INTO datasync_parked (module, origin, aggregate_id, event_id, error) "
                     "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (module, aggregate_id) DO UPDATE SET "
                     "origin = excluded.origin, event_id = excluded.event_id, error = excluded.error, "
                     f"parked_at = {sql.now(sink)}", [module.name, origin, key, row_events[-1][1], error[:2000]])
        sink.execute(f"INSERT INTO datasync_applied (event_id, module) SELECT value, CAST(%s AS TEXT) "
                     f"FROM {sql.json_texts(sink)} WHERE true ON CONFLICT (event_id) DO NOTHING",
                     [module.name, json.dumps([event[1] for event in row_events])])


def _versions(sink: sql.Database, module: Module, origin: str, keys: list[str]) -> dict[str, int]:
    found = sink.rows(f"SELECT aggregate_id, version FROM datasync_version WHERE module = %s AND origin = %s "
                      f"AND aggregate_id IN (SELECT value FROM {sql.json_texts(sink)})",
                      [module.name, origin, json.dumps(keys)])
    return {str(key): int(version) for key, version in found}


def _record(sink: sql.Database, module: Module, origin: str, fresh: list[tuple], applied: list[tuple]) -> None:
    sink.execute(f"INSERT INTO datasync_applied (event_id, module) SELECT value, CAST(%s AS TEXT) "
                 f"FROM {sql.json_texts(sink)} WHERE true ON CONFLICT (event_id) DO NOTHING",
                 [module.name, json.dumps([event[1] for event in fresh])])
    source, key, version = sql.json_pairs(sink)
    sink.execute("INSERT INTO datasync_version (module, origin, aggregate_id, version) "
                 f"SELECT CAST(%s AS TEXT), CAST(%s AS TEXT), {key}, {version} FROM {source} WHERE true "
                 "ON CONFLICT (module, origin, aggregate_id) DO UPDATE SET version = excluded.version "
                 "WHERE datasync_version.version < excluded.version",
                 [module.name, origin, json.dumps([[event[2], int(event[0])] for event in applied])])


def drain(sides: Sides, *, limit: int = 500) -> Moved:
    """Move every waiting event from the owner to the other side, now (the switches call it)."""
    state = current(sides)
    total = Moved()
    if state.owner is None:
        return total
    while True:
        moved = relay_batch(sides.module, sides[state.owner], sides.other(state.owner), limit=limit)
        total.add(moved)
        if moved.events == 0:
            return total


def prune(database: sql.Database, module: Module, *, keep_seconds: int) -> int:
    """Delete published events and applied ids older than `keep_seconds`; how many events went."""
    with database.transaction():
        before = database.one("SELECT count(*) FROM datasync_outbox WHERE module = %s", [module.name])[0]
        database.execute(f"DELETE FROM datasync_outbox WHERE module = %s AND published_at IS NOT NULL "
                         f"AND created_at < {sql.seconds_ago(database, keep_seconds)}", [module.name])
        database.execute(f"DELETE FROM datasync_applied WHERE module = %s "
                         f"AND applied_at < {sql.seconds_ago(database, keep_seconds)}", [module.name])
        after = database.one("SELECT count(*) FROM datasync_outbox WHERE module = %s", [module.name])[0]
    return int(before) - int(after)


@dataclass
class RelaySettings:
    batch: int = 500
    idle_seconds: float = 0.2
    keep_seconds: int = 86_400
    prune_every_seconds: float = 60.0


def relay_forever(module: Module, settings: RelaySettings, *, stop: threading.Event | None = None) -> Moved:
    """The relay process: moves events while the module syncs, idles while it does not; SIGTERM stops it."""
    stop = stop or _stop_on_sigterm()
    total, pruned_at = Moved(), 0.0
    logger.info("relay started", extra={"datasync_module": module.name})
    while not stop.is_set():
        try:
            with open_sides(module) as sides:
                pruned_at = _run(sides, settings, stop, total, pruned_at)
        except sql.DatabaseError as error:
            logger.warning("relay paused: a database failed; trying again", extra={"datasync_module": module.name,
                                                                                    "error": str(error)})
            stop.wait(2.0)
    logger.info("relay stopped", extra={"datasync_module": module.name, "events": total.events, "applied": total.applied,
                                        "duplicates": total.duplicates, "stale": total.stale})
    return total


def _run(sides: Sides, settings: RelaySettings, stop: threading.Event, total: Moved, pruned_at: float) -> float:
    module = sides.module
    while not stop.is_set():
        state = current(sides)
        if state.owner is None or state.phase in ("off", "retired"):
            stop.wait(settings.idle_seconds * 5)
            continue
        moved = relay_batch(module, sides[state.owner], sides.other(state.owner), limit=settings.batch)
        total.add(moved)
        if moved.events:
            logger.info("relayed", extra={"datasync_module": module.name, "from": state.owner, "events": moved.events,
                                          "applied": moved.applied, "duplicates": moved.duplicates,
                                          "stale": moved.stale, "parked": moved.parked})
        if time.monotonic() - pruned_at > settings.prune_every_seconds:
            pruned = prune(sides[state.owner], module, keep_seconds=settings.keep_seconds)
            prune(sides.other(state.owner), module, keep_seconds=settings.keep_seconds)
            if pruned:
                logger.info("pruned published events", extra={"datasync_module": module.name, "events": pruned})
            pruned_at = time.monotonic()
        if moved.events < settings.batch:
            stop.wait(settings.idle_seconds)
    return pruned_at


def _stop_on_sigterm() -> threading.Event:
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop
