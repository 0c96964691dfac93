"""Reconciliation: both sides compared by checksummed key ranges, differing ranges bisected down to rows.

Each side computes, in SQL, the row count and the sum of its rows' hashes (PostgreSQL's 64-bit
hashtextextended of the row's text form; md5 through a registered function on SQLite) over a key
range. Equal ranges are done in one query per side (the whole table, when nothing differs). A differing
range is cut into `parts` ranges of equal row counts (cut keys from the larger side, one window query),
all of them checksummed in one grouped query per side (width_bucket on PostgreSQL), and each differing
one is cut again, until a range has at most `leaf_rows` rows: then the rows' hashes are listed and
compared key by key.

    missing    a row the owner has and the other side lacks
    extra      a row only the other side has (a target's own rows, when its module keeps them, are
               counted apart and are no difference)
    differing  the same key with a different row

`repair` makes the other side what the owner says: copies missing and differing rows, deletes extras.
"""

from __future__ import annotations

import itertools
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from datasync import sql
from datasync.backfill import copy_keys
from datasync.spec import Module
from datasync.store import Sides, current, state_save


@dataclass
class Result:
    module: str
    source: str
    target: str
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    differing: list[str] = field(default_factory=list)
    own_rows: int = 0
    ranges: int = 0
    repaired: int = 0
    seconds: float = 0.0

    @property
    def differences(self) -> int:
        return len(self.missing) + len(self.extra) + len(self.differing)

    def as_dict(self, *, sample: int = 20) -> dict[str, Any]:
        data = asdict(self)
        for kind in ("missing", "extra", "differing"):
            data[f"{kind}Count"] = len(data[kind])
            data[kind] = data[kind][:sample]
        data["differences"] = self.differences
        return data


def reconcile(sides: Sides, *, parts: int = 64, leaf_rows: int = 256, repair: bool = False,
              record: bool = True) -> Result:
    state = current(sides)
    source_name = state.owner or sides.module.origin.name
    source, sink = sides[source_name], sides.other(source_name)
    started = time.monotonic()
    result = Result(sides.module.name, source.side.name, sink.side.name)
    with ThreadPoolExecutor(max_workers=2) as pool:
        _compare(sides.module, source, sink, None, None, result, pool, parts, leaf_rows)
    if sides.module.target_keeps_own_rows and sink.side.name == sides.module.target.name:
        result.own_rows, result.extra = len(result.extra), []
    if repair and result.differences:
        result.repaired = _repair(sides.module, source, sink, result)
    result.seconds = round(time.monotonic() - started, 3)
    if record:
        _record(sides, result)
    return result


def _compare(module: Module, source: sql.Database, sink: sql.Database, low: str | None, high: str | None,
             result: Result, pool: ThreadPoolExecutor, parts: int, leaf_rows: int) -> None:
    result.ranges += 1
    ours = pool.submit(source.checksum, module, low, high)
    theirs = pool.submit(sink.checksum, module, low, high)
    _descend(module, source, sink, low, high, ours.result(), theirs.result(), result, pool, parts, leaf_rows)


def _descend(module: Module, source: sql.Database, sink: sql.Database, low: str | None, high: str | None,
             ours: tuple[int, str], theirs: tuple[int, str], result: Result, pool: ThreadPoolExecutor,
             parts: int, leaf_rows: int) -> None:
    """Range [low, high) whose checksums are `ours` and `theirs`: done if equal, else cut and compared part by part."""
    if ours == theirs:
        return
    rows = max(ours[0], theirs[0])
    if rows <= leaf_rows:
        _rows(module, source, sink, low, high, result)
        return
    cutter = source if ours[0] >= theirs[0] else sink
    cuts = [cut for cut in cutter.boundaries(module, low, high, every=math.ceil(rows / parts), rows=rows) if cut != low]
    if not cuts:  # a range that cannot be cut further (one key holds it all): list its rows
        _rows(module, source, sink, low, high, result)
        return
    our_parts = pool.submit(source.range_checksums, module, low, high, cuts)
    their_parts = pool.submit(sink.range_checksums, module, low, high, cuts)
    edges: list[str | None] = [low, *cuts, high]
    result.ranges += len(cuts) + 1
    for (start, end), mine, other in zip(itertools.pairwise(edges), our_parts.result(), their_parts.result(),
                                         strict=True):
        _descend(module, source, sink, start, end, mine, other, result, pool, parts, leaf_rows)


def _rows(module: Module, source: sql.Database, sink: sql.Database, low: str | None, high: str | None,
          result: Result) -> None:
    ours, theirs = source.range_hashes(module, low, high), sink.range_hashes(module, low, high)
    result.missing += sorted(ours.keys() - theirs.keys())
    result.extra += sorted(theirs.keys() - ours.keys())
    result.differing += sorted(key for key in ours.keys() & theirs.keys() if ours[key] != theirs[key])


def _repair(module: Module, source: sql.Database, sink: sql.Database, result: Result) -> int:
    # copy_keys deletes on the sink what the source lacks: the extras go with the same call.
    return copy_keys(module, source, sink, [*result.missing, *result.differing, *result.extra])


def _record(sides: Sides, result: Result) -> None:
    state = current(sides)
    if state.phase == "off":
        return
    state.detail["reconcile"] = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                 "differences": result.differences, "missing": len(result.missing),
                                 "extra": len(result.extra), "differing": len(result.differing),
                                 "repaired": result.repaired, "ownRows": result.own_rows,
                                 "source": result.source, "seconds": result.seconds}
    state_save(sides, state)
