"""The backfill: every row of the owner copied to the other side, proven batch by batch.

Keyset batches (`key > cursor ORDER BY key LIMIT n`) are read as one JSON document and upserted in one
statement, and the cursor moves in the same transaction as the rows: killed anywhere and run again, the
copy resumes after the last committed batch, and a batch copied twice changes nothing. After each batch
the range's checksum is computed on both sides; a range that differs (a row changed after it was read)
is remembered. Then, in rounds, the rows the owner's outbox says changed since the copy began, and the
rows of remembered ranges, are copied again by key and checked, until a round finds at most
`settle_below` of them: what is left is in flight in the relay.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from datasync import sql
from datasync.spec import Module
from datasync.store import Sides, current, unpark


class BackfillRefused(Exception):
    """The module is not in a state to be backfilled; the message says what to run first."""


@dataclass
class Report:
    source: str = ""
    target: str = ""
    copied: int = 0
    batches: int = 0
    resumed_after: str | None = None
    differing_batches: int = 0
    rounds: list[int] = field(default_factory=list)
    remaining: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def backfill(sides: Sides, *, batch: int = 1000, throttle_seconds: float = 0.0, settle_below: int = 100,
             max_rounds: int = 20, on_batch: Callable[[int], None] | None = None) -> Report:
    state = current(sides)
    if state.owner is None or state.phase == "off":
        raise BackfillRefused(f"module {sides.module.name} is not syncing (phase {state.phase}, owner "
                              f"{state.owner}); run `strangler data sync-on {sides.module.name}` first.")
    source, sink = sides[state.owner], sides.other(state.owner)
    started = time.monotonic()
    report = Report(source=source.side.name, target=sink.side.name)
    cursor, high_water = _cursor(sides.module, source, sink, report)
    dirty = _copy(sides.module, source, sink, cursor, report, batch, throttle_seconds,
                  _told(sides, source, report, on_batch))
    _settle(sides.module, source, sink, high_water, dirty, report, settle_below, max_rounds)
    with sink.transaction():
        sink.execute("UPDATE datasync_backfill SET finished = %s WHERE module = %s", [True, sides.module.name])
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _told(sides: Sides, source: sql.Database, report: Report,
          on_batch: Callable[[int], None] | None) -> Callable[[int], None] | None:
    """`on_batch`, and the publisher told of the progress after each committed batch (the total counted once)."""
    publisher = sides.publisher
    if publisher is None:
        return on_batch
    total = source.count(sides.module)

    def told(count: int) -> None:
        if on_batch:
            on_batch(count)
        publisher.progress(sides, {"running": True, "source": report.source, "target": report.target,
                                   "copied": report.copied, "batches": report.batches, "total": total,
                                   "resumedAfter": report.resumed_after})

    return told


def _cursor(module: Module, source: sql.Database, sink: sql.Database, report: Report) -> tuple[str | None, int]:
    found = sink.rows("SELECT last_key, high_water, copied FROM datasync_backfill WHERE module = %s AND source = %s "
                      "AND NOT finished", [module.name, source.side.name])
    if found:
        last_key, high_water, copied = found[0]
        report.resumed_after, report.copied = last_key, int(copied)
        return last_key, int(high_water)
    high_water = int(source.one("SELECT coalesce(max(id), 0) FROM datasync_outbox WHERE module = %s",
                                [module.name])[0])
    with sink.transaction():
        sink.execute("DELETE FROM datasync_backfill WHERE module = %s", [module.name])
        sink.execute("INSERT INTO datasync_backfill (module, source, last_key, high_water, copied, finished) "
                     "VALUES (%s, %s, NULL, %s, 0, %s)", [module.name, source.side.name, high_water, False])
    return None, high_water


def _copy(module: Module, source: sql.Database, sink: sql.Database, cursor: str | None, report: Report,
          batch: int, throttle_seconds: float, on_batch: Callable[[int], None] | None) -> list[tuple[str | None, str]]:
    dirty: list[tuple[str | None, str]] = []
    while True:
        rows, count, last = source.read_batch(module, after=cursor, limit=batch)
        if count == 0 or last is None:
            return dirty
        with sink.transaction():
            sql.serialise(sink)
            sink.mark_applying()
            sink.upsert(module, rows)
            sink.unmark_applying()
            sink.execute("UPDATE datasync_backfill SET last_key = %s, copied = copied + %s WHERE module = %s",
                         [last, count, module.name])
        sink.applied()
        if source.checksum(module, cursor, last, closed=True) != sink.checksum(module, cursor, last, closed=True):
            dirty.append((cursor, last))
            report.differing_batches += 1
        report.copied += count
        report.batches += 1
        if on_batch:
            on_batch(count)
        cursor = last
        if throttle_seconds:
            time.sleep(throttle_seconds)  # a throttle that spares the owner's database, not a wait for a result


def _settle(module: Module, source: sql.Database, sink: sql.Database, high_water: int,
            dirty: list[tuple[str | None, str]], report: Report, settle_below: int, max_rounds: int) -> None:
    for _ in range(max_rounds):
        next_high = int(source.one("SELECT coalesce(max(id), 0) FROM datasync_outbox WHERE module = %s",
                                   [module.name])[0])
        changed = {str(key) for (key,) in source.rows(
            "SELECT DISTINCT aggregate_id FROM datasync_outbox WHERE module = %s AND id > %s",
            [module.name, high_water])}
        for low, high in dirty:
            changed |= _differing_keys(module, source, sink, low, high)
        dirty = []
        report.rounds.append(len(changed))
        copy_keys(module, source, sink, sorted(changed))
        high_water = next_high
        if len(changed) <= settle_below:
            break
    report.remaining = len(_still_differing(module, source, sink, high_water))


def _differing_keys(module: Module, source: sql.Database, sink: sql.Database, low: str | None, high: str) -> set[str]:
    ours = source.range_hashes(module, low, high, closed=True)
    theirs = sink.range_hashes(module, low, high, closed=True)
    return {key for key in ours.keys() | theirs.keys() if ours.get(key) != theirs.get(key)}


def _still_differing(module: Module, source: sql.Database, sink: sql.Database, high_water: int) -> set[str]:
    changed = [str(key) for (key,) in source.rows(
        "SELECT DISTINCT aggregate_id FROM datasync_outbox WHERE module = %s AND id > %s AND published_at IS NULL",
        [module.name, high_water])]
    return {key for key in changed if source.key_hashes(module, [key]) != sink.key_hashes(module, [key])}


def copy_keys(module: Module, source: sql.Database, sink: sql.Database, keys: list[str], *,
              chunk: int = 1000) -> int:
    """Make the rows with these keys on `sink` what they are on `source` (deleting those it lacks)."""
    for start in range(0, len(keys), chunk):
        part = keys[start:start + chunk]
        rows = source.read_keys(module, part)
        present = set(source.key_hashes(module, part))
        with sink.transaction():
            sql.serialise(sink)
            sink.mark_applying()
            if rows != "[]":
                sink.upsert(module, rows)
            gone = [key for key in part if key not in present]
            if gone:
                sink.delete_keys(module, gone)
            sink.unmark_applying()
            unpark(sink, module, part)
        sink.applied()
    return len(keys)
