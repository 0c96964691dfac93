"""Reconciliation: both sides compared by checksummed parts, differing parts cut down to their rows.

Each side computes, in SQL, the row count and the sum of its rows' hashes (PostgreSQL's 64-bit
hashtextextended of the row's text form; md5 through a registered function on SQLite) over a part of
the table. The first cut is by the key's bucket (a hash of the key, sql.BUCKETS of them), all buckets in
one grouped pass per side: when nothing differs that pass is the whole cost, and when a row differs only
its bucket is looked into further, so one difference does not cost a second pass over every row. A
differing part is cut by key range into `parts` ranges of about equal row counts (cut keys from the
larger side: the planner's histogram for a whole bucket on PostgreSQL, else one window query), all of
them checksummed in one grouped query per side (width_bucket on PostgreSQL), and each differing one is
cut again, until a range has at most `leaf_rows` rows: then the rows' hashes are listed and compared key
by key.

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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from datasync import sql
from datasync.backfill import copy_keys
from datasync.spec import Module
from datasync.store import Sides, current, state_save

_T = TypeVar("_T")


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
    listed: int = 0  # rows compared one by one, in the parts that differed
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
        _Walk(sides.module, source, sink, result, pool, parts, leaf_rows).buckets()
    if sides.module.target_keeps_own_rows and sink.side.name == sides.module.target.name:
        result.own_rows, result.extra = len(result.extra), []
    if repair and result.differences:
        result.repaired = _repair(sides.module, source, sink, result)
    result.seconds = round(time.monotonic() - started, 3)
    if record:
        keep_result(sides, result)
    return result


@dataclass
class _Walk:
    """One comparison of both sides: each side's checksums asked for at once (one thread each), the
    differing parts cut further, down to rows."""

    module: Module
    source: sql.Database
    sink: sql.Database
    result: Result
    pool: ThreadPoolExecutor
    parts: int
    leaf_rows: int

    def buckets(self) -> None:
        """The first cut, in one pass per side: rows by their key's bucket (sql.BUCKETS of them). A
        difference then costs a look into its bucket alone, not a second pass over every row."""
        ours, theirs = self._both(lambda side: side.bucket_checksums(self.module))
        self.result.ranges += len(ours)
        for bucket, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
            self.descend(None, None, bucket, mine, other)

    def descend(self, low: str | None, high: str | None, bucket: int, ours: tuple[int, str],
                theirs: tuple[int, str]) -> None:
        """Key range [low, high) of `bucket`, whose checksums are `ours` and `theirs`: done if equal, else cut
        and compared part by part."""
        if ours == theirs:
            return
        rows = max(ours[0], theirs[0])
        if rows <= self.leaf_rows:
            self.rows(low, high, bucket)
            return
        cutter = self.source if ours[0] >= theirs[0] else self.sink
        cuts = [cut for cut in cutter.boundaries(self.module, low, high, every=math.ceil(rows / self.parts),
                                                 rows=rows, bucket=bucket) if cut != low]
        if not cuts:  # a range that cannot be cut further (one key holds it all): list its rows
            self.rows(low, high, bucket)
            return
        our_parts, their_parts = self._both(
            lambda side: side.range_checksums(self.module, low, high, cuts, bucket=bucket))
        edges: list[str | None] = [low, *cuts, high]
        self.result.ranges += len(cuts) + 1
        for (start, end), mine, other in zip(itertools.pairwise(edges), our_parts, their_parts, strict=True):
            self.descend(start, end, bucket, mine, other)

    def rows(self, low: str | None, high: str | None, bucket: int) -> None:
        ours, theirs = self._both(lambda side: side.range_hashes(self.module, low, high, bucket=bucket))
        self.result.listed += len(ours.keys() | theirs.keys())
        self.result.missing += sorted(ours.keys() - theirs.keys())
        self.result.extra += sorted(theirs.keys() - ours.keys())
        self.result.differing += sorted(key for key in ours.keys() & theirs.keys() if ours[key] != theirs[key])

    def _both(self, ask: Callable[[sql.Database], _T]) -> tuple[_T, _T]:
        ours, theirs = self.pool.submit(ask, self.source), self.pool.submit(ask, self.sink)
        return ours.result(), theirs.result()


def _repair(module: Module, source: sql.Database, sink: sql.Database, result: Result) -> int:
    # copy_keys deletes on the sink what the source lacks: the extras go with the same call.
    return copy_keys(module, source, sink, [*result.missing, *result.differing, *result.extra])


def keep_result(sides: Sides, result: Result) -> None:
    """Keep `result` as the module's last reconciliation (shown by status and the dashboard)."""
    state = current(sides)
    if state.phase == "off":
        return
    state.detail["reconcile"] = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                 "differences": result.differences, "missing": len(result.missing),
                                 "extra": len(result.extra), "differing": len(result.differing),
                                 "repaired": result.repaired, "ownRows": result.own_rows,
                                 "source": result.source, "seconds": result.seconds}
    state_save(sides, state)
