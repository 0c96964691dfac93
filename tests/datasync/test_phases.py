"""Each switch is gated on zero differences, ownership flips for real, and every step back loses no write."""

from __future__ import annotations

import subprocess
import sys

import pytest

from datasync import phases
from datasync.reconcile import reconcile
from datasync.sql import DatabaseError
from datasync.store import Sides, current, state_save
from devstack.datasync import Pair, fill_products
from devstack.processes import ROOT

ROWS_HERE = 500


def _stock(database_side: Sides, side: str, product: str) -> int:
    return int(database_side[side].one("SELECT stock FROM catalog_product WHERE id = %s", [product])[0])


def _monolith_reserves(pair: Pair) -> subprocess.CompletedProcess[str]:
    code = ("from monolith.catalog.services import stock_reserve\n"
            "stock_reserve(product_id='p-0000002')")
    return subprocess.run([sys.executable, "-m", "monolith.manage", "shell", "-c", code], cwd=ROOT, env=pair.env,
                          capture_output=True, text=True, timeout=120)


def test_switches_are_gated_on_zero_differences(fresh_pair: Pair) -> None:
    """Both sides equal, then one row deleted on the service's side behind the sync's back."""
    fresh_pair.sync_on_and_backfill(rows=ROWS_HERE)
    with fresh_pair.sides() as sides, sides.target.transaction():
        sides.target.mark_applying()
        sides.target.execute("DELETE FROM catalog_product WHERE id = 'p-0000100'")
        sides.target.unmark_applying()

    refused = fresh_pair.strangler("switch-reads", "catalog", check=False)

    assert refused.returncode == 1
    assert "1 missing" in refused.stderr and "verify catalog --repair" in refused.stderr
    with fresh_pair.sides() as sides:
        assert current(sides).phase == "backfilled"  # refused, and nothing changed
        reconcile(sides, repair=True)
        assert phases.switch_reads(sides).after == "reads"


def test_ownership_flips_and_every_step_back_loses_no_write(fresh_pair: Pair) -> None:
    """Reads are on the service; writes switch, the monolith refuses, and the module is walked back to off."""
    fresh_pair.sync_on_and_backfill(rows=ROWS_HERE)
    with fresh_pair.sides() as sides:
        phases.switch_reads(sides)
        state = current(sides)
        del state.detail["reconcile"]  # what switch-writes proves must be what status shows after it
        state_save(sides, state)
        phases.switch_writes(sides)
        assert (current(sides).owner, current(sides).phase) == ("catalog", "writes")
        assert current(sides).detail["reconcile"]["differences"] == 0
        with pytest.raises(DatabaseError, match="read-only on the monolith side"):
            sides.origin.execute("UPDATE catalog_product SET stock = 0 WHERE id = 'p-0000001'")
    refused = _monolith_reserves(fresh_pair)
    assert refused.returncode != 0
    assert "NotOwner" in refused.stderr and "the catalog side owns them" in refused.stderr

    with fresh_pair.sides() as sides:
        sides.target.execute("UPDATE catalog_product SET stock = 901 WHERE id = 'p-0000001'")  # the service writes
        assert phases.back(sides).after == "reads"  # writes go back to the monolith ...
        assert _stock(sides, "monolith", "p-0000001") == 901  # ... with the service's write
        sides.origin.execute("UPDATE catalog_product SET stock = 902 WHERE id = 'p-0000001'")  # writable again

        phases.switch_writes(sides)
        assert _stock(sides, "catalog", "p-0000001") == 902
        assert phases.retire(sides).after == "retired"
        sides.target.execute("UPDATE catalog_product SET stock = 903 WHERE id = 'p-0000001'")  # not kept any more
        sides.target.execute("DELETE FROM catalog_product WHERE id = 'p-0000003'")
        assert _stock(sides, "monolith", "p-0000001") == 902
        assert phases.back(sides).after == "writes"  # un-retired: the monolith's copy catches up
        assert _stock(sides, "monolith", "p-0000001") == 903
        assert reconcile(sides).differences == 0

        assert phases.back(sides).after == "reads"
        assert phases.back(sides).after == "backfilled"
        assert phases.back(sides).after == "off"
        sides.origin.execute("UPDATE catalog_product SET stock = 904 WHERE id = 'p-0000001'")  # no guard left
        assert not sides.origin.has_capture(sides.module)


def test_the_release_turns_the_sync_on_and_fills_the_service_once(fresh_pair: Pair) -> None:
    """`strangler data release catalog`, as the Procfile's release runs it on every deploy."""
    with fresh_pair.sides() as sides:
        fill_products(sides.origin, ROWS_HERE)

    fresh_pair.strangler("release", "catalog")
    with fresh_pair.sides() as sides:
        assert (current(sides).phase, current(sides).owner) == ("backfilled", "monolith")
        assert sides.target.count(sides.module) == ROWS_HERE
        assert reconcile(sides).differences == 0
        sides.origin.execute("UPDATE catalog_product SET stock = 1 WHERE id = 'p-0000003'")

    again = fresh_pair.strangler("release", "catalog")  # the next deploy: the sync stays as it is
    with fresh_pair.sides() as sides:
        assert current(sides).phase == "backfilled"
        assert sides.origin.one("SELECT count(*) FROM datasync_outbox WHERE aggregate_id = 'p-0000003'")[0] == 1
    assert "capture triggers in place" in again.stdout


def test_a_module_stepped_back_to_off_stays_off_at_the_next_release(fresh_pair: Pair) -> None:
    fresh_pair.sync_on_and_backfill(rows=ROWS_HERE)
    with fresh_pair.sides() as sides:
        assert phases.back(sides).after == "off"

    left = fresh_pair.strangler("release", "catalog")

    with fresh_pair.sides() as sides:
        assert current(sides).phase == "off"
        assert not sides.origin.has_capture(sides.module)
    assert "left off" in left.stdout


def test_emptying_the_table_at_once_is_refused_or_captured_while_the_module_syncs(fresh_pair: Pair) -> None:
    """A TRUNCATE fires no row trigger, so PostgreSQL refuses it; SQLite has none (a DELETE of every row
    fires the row triggers): either way the other side is never left holding rows the owner lost silently."""
    fresh_pair.sync_on_and_backfill(rows=50)
    with fresh_pair.sides() as sides:
        if sides.origin.kind == "postgresql":
            with pytest.raises(DatabaseError, match="TRUNCATE of catalog_product is refused while module catalog"):
                sides.origin.execute("TRUNCATE catalog_product CASCADE")
            assert sides.origin.count(sides.module) == 50
        else:
            sides.origin.execute("DELETE FROM catalog_product")
            assert sides.origin.one("SELECT count(*) FROM datasync_outbox WHERE payload IS NULL")[0] == 50
        phases.back(sides)
        sides.origin.execute("TRUNCATE catalog_product CASCADE" if sides.origin.kind == "postgresql"
                             else "DELETE FROM catalog_product")  # off: the table is the monolith's alone again
        assert sides.origin.count(sides.module) == 0
