"""The backfill killed half-way and run again finishes correctly, and re-copies rows changed behind it."""

from __future__ import annotations

import signal

from datasync import phases
from datasync.reconcile import reconcile
from datasync.store import current
from devstack.datasync import Pair, fill_products
from tests.datasync.conftest import ROWS
from tests.support.waiting import wait_until


def _copied(pair: Pair) -> int:
    with pair.sides() as sides:
        found = sides.target.rows("SELECT copied FROM datasync_backfill WHERE module = 'catalog'")
    return int(found[0][0]) if found else 0


def test_backfill_killed_half_way_resumes_and_finishes_correctly(fresh_pair: Pair) -> None:
    """A throttled backfill is SIGKILLed mid-copy; rows it had copied then change on the owner."""
    pair = fresh_pair
    with pair.sides() as sides:
        fill_products(sides.origin, ROWS)
        phases.sync_on(sides)
    first = pair.start("backfill", "catalog", "--batch", "100", "--throttle-ms", "40")
    wait_until(lambda: _copied(pair) >= ROWS // 5, timeout=60, what="a fifth of the rows copied", interval=0.05)
    first.popen.send_signal(signal.SIGKILL)
    first.popen.wait(timeout=10)
    copied_before = _copied(pair)
    assert 0 < copied_before < ROWS
    with pair.sides() as sides:  # already copied rows change on the owner; no relay runs to carry them
        sides.origin.execute("UPDATE catalog_product SET stock = stock + 100 WHERE id <= 'p-0000050'")
        assert reconcile(sides, record=False).differences > 0

    report = pair.strangler_json("backfill", "catalog", "--batch", "500")["backfill"]

    assert report["resumed_after"] is not None  # it went on from its cursor, not from the start
    assert report["copied"] == ROWS
    assert report["rounds"][0] >= 50  # the changed rows were found in the outbox and copied again
    assert report["remaining"] == 0
    with pair.sides() as sides:
        assert reconcile(sides).differences == 0
        assert sides.target.count(sides.module) == ROWS
        assert current(sides).phase == "backfilled"
