"""Reconciliation finds each kind of drift among thousands of equal rows, down to the row, and repairs it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from datasync.reconcile import reconcile
from datasync.sql import BUCKETS
from devstack.datasync import Pair
from tests.datasync.conftest import ROWS


@pytest.fixture(scope="module")
def synced(pair: Pair) -> Iterator[Pair]:
    """Both sides hold the same ROWS products, copied by the backfill."""
    pair.sync_on_and_backfill(rows=ROWS)
    with pair.sides() as sides:
        if sides.origin.kind == "postgresql":  # the planner's histogram then cuts the whole table (sql.py)
            sides.origin.execute("ANALYZE catalog_product")
            sides.target.execute("ANALYZE catalog_product")
    yield pair


def _drift(pair: Pair, statement: str) -> None:
    with pair.sides() as sides, sides.target.transaction():
        sides.target.mark_applying()  # drift made behind the sync's back, as a bug or a restore would
        sides.target.execute(statement)
        sides.target.unmark_applying()


def test_equal_sides_reconcile_to_zero_differences(synced: Pair) -> None:
    result = synced.strangler_json("verify", "catalog")
    assert result["differences"] == 0
    assert result["ranges"] == BUCKETS  # the first pass, one grouped checksum per side, settles it


@pytest.mark.parametrize(("statement", "kind", "key"), [
    ("DELETE FROM catalog_product WHERE id = 'p-0001234'", "missing", "p-0001234"),
    ("INSERT INTO catalog_product (id, name, description, price_cents, currency, image, category, keywords, "
     "stock, updated_at, version) SELECT 'p-0001234x', name, description, price_cents, currency, image, category, "
     "keywords, stock, updated_at, 1 FROM catalog_product WHERE id = 'p-0000007'", "extra", "p-0001234x"),
    ("UPDATE catalog_product SET keywords = 'changed' WHERE id = 'p-0002345'", "differing", "p-0002345"),
], ids=["missing", "extra", "one-column-changed"])
def test_injected_drift_is_found_to_the_row_and_repaired(synced: Pair, statement: str, kind: str, key: str) -> None:
    _drift(synced, statement)
    if kind == "missing":
        found = synced.strangler("verify", "catalog", "--json", check=False)
        assert found.returncode == 1, found.stderr  # a difference left is a failure
    with synced.sides() as sides:
        result = reconcile(sides)
    assert result.differences == 1
    assert getattr(result, kind) == [key]
    assert 0 < result.listed <= 2 * ROWS / BUCKETS  # found in its bucket, not by listing every row

    repaired = synced.strangler_json("verify", "catalog", "--repair")
    assert repaired["repaired"] == 1
    assert repaired["after"]["differences"] == 0
    with synced.sides() as sides:
        assert reconcile(sides).differences == 0
        assert sides.origin.key_hashes(sides.module, [key]) == sides.target.key_hashes(sides.module, [key])


def test_many_drifts_are_each_found_when_every_part_is_cut_down_several_times(synced: Pair) -> None:
    """Small leaves force the cuts below the buckets (a bucket of a large table): each row still found once."""
    _drift(synced, "DELETE FROM catalog_product WHERE id IN ('p-0000100', 'p-0001500')")
    _drift(synced, "UPDATE catalog_product SET stock = stock + 1 WHERE id IN ('p-0000200', 'p-0002999')")
    with synced.sides() as sides:
        result = reconcile(sides, parts=4, leaf_rows=4, record=False)
        found = (sorted(result.missing), sorted(result.differing), result.extra)
        assert found == (["p-0000100", "p-0001500"], ["p-0000200", "p-0002999"], [])
        assert result.ranges > BUCKETS + 4 and result.listed <= 4 * 8
        reconcile(sides, repair=True)
        assert reconcile(sides).differences == 0
