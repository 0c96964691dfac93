"""A row the other side refuses (a constraint it has and the owner lacks) is parked; the rest go on."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from datasync import phases, sql
from datasync.reconcile import reconcile
from datasync.relay import relay_batch
from datasync.store import backlog, current, parked, parked_rows
from devstack.datasync import Pair, fill_products

ROWS_HERE = 200


@pytest.fixture
def strict_service(fresh_pair: Pair) -> Iterator[Pair]:
    """The service's table takes no more than 999 units of a product; the monolith's takes any number."""
    fresh_pair.sync_on_and_backfill(rows=ROWS_HERE)
    with fresh_pair.sides() as sides:
        for statement in _constraint(sides.target.kind):
            sides.target.execute(statement)
    yield fresh_pair
    with fresh_pair.sides() as sides:
        _drop_constraint(sides.target)


def _constraint(kind: str) -> list[str]:
    if kind == "postgresql":
        return ["ALTER TABLE catalog_product ADD CONSTRAINT stock_below_1000 CHECK (stock < 1000)"]
    # SQLite adds no CHECK to an existing table; a trigger refusing the row is the same refusal to the relay.
    return [f"CREATE TRIGGER stock_below_1000_{operation} BEFORE {operation} ON catalog_product "
            "WHEN NEW.stock >= 1000 BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: stock_below_1000'); END"
            for operation in ("INSERT", "UPDATE")]


def _drop_constraint(database: sql.Database) -> None:
    if database.kind == "postgresql":
        database.execute("ALTER TABLE catalog_product DROP CONSTRAINT IF EXISTS stock_below_1000")
        return
    for operation in ("INSERT", "UPDATE"):
        database.execute(f"DROP TRIGGER IF EXISTS stock_below_1000_{operation}")


def test_a_refused_row_is_parked_and_the_others_are_applied(strict_service: Pair) -> None:
    with strict_service.sides() as sides:
        sides.origin.execute("UPDATE catalog_product SET keywords = 'changed' WHERE id <= 'p-0000010'")
        sides.origin.execute("UPDATE catalog_product SET stock = 5000 WHERE id = 'p-0000004'")

        moved = relay_batch(sides.module, sides.origin, sides.target)

        assert (moved.events, moved.parked, moved.applied) == (11, 1, 9)
        assert backlog(sides.origin, sides.module) == 0  # the relay is not stuck on it
        changed = sides.target.one("SELECT count(*) FROM catalog_product WHERE keywords = 'changed'")[0]
        assert changed == 9
        [(key, error, _)] = parked_rows(sides.target, sides.module)
        assert key == "p-0000004" and "stock_below_1000" in error
        result = reconcile(sides)
        assert result.differing == ["p-0000004"]  # still a difference: the gates refuse
        with pytest.raises(phases.PhaseRefused):
            phases.switch_reads(sides)


def test_status_names_the_refused_row_and_why(strict_service: Pair) -> None:
    with strict_service.sides() as sides:
        sides.origin.execute("UPDATE catalog_product SET stock = 5000 WHERE id = 'p-0000004'")
        relay_batch(sides.module, sides.origin, sides.target)

    found = strict_service.strangler("status", "catalog")

    assert "p-0000004 refused by catalog side" in found.stdout and "stock_below_1000" in found.stdout
    [status] = strict_service.strangler_json("status", "catalog")
    assert status["parked"] == 1


def test_a_later_change_the_other_side_takes_unparks_the_row(strict_service: Pair) -> None:
    with strict_service.sides() as sides:
        sides.origin.execute("UPDATE catalog_product SET stock = 5000 WHERE id = 'p-0000004'")
        relay_batch(sides.module, sides.origin, sides.target)
        sides.origin.execute("UPDATE catalog_product SET stock = 7 WHERE id = 'p-0000004'")

        moved = relay_batch(sides.module, sides.origin, sides.target)

        assert (moved.applied, moved.parked) == (1, 0)
        assert parked(sides.target, sides.module) == 0
        assert reconcile(sides).differences == 0


def test_repair_once_the_cause_is_fixed_copies_the_row_and_unparks_it(strict_service: Pair) -> None:
    with strict_service.sides() as sides:
        sides.origin.execute("UPDATE catalog_product SET stock = 5000 WHERE id = 'p-0000004'")
        relay_batch(sides.module, sides.origin, sides.target)
        _drop_constraint(sides.target)

    repaired = strict_service.strangler_json("verify", "catalog", "--repair")

    assert repaired["repaired"] == 1 and repaired["after"]["differences"] == 0
    with strict_service.sides() as sides:
        assert parked(sides.target, sides.module) == 0
        assert sides.target.one("SELECT stock FROM catalog_product WHERE id = 'p-0000004'")[0] == 5000


def test_a_release_whose_backfill_meets_a_refused_row_goes_on_and_says_why(fresh_pair: Pair) -> None:
    """The deploy is not stopped by one row: the sync is on, the copy waits, the log line is an error."""
    with fresh_pair.sides() as sides:
        fill_products(sides.origin, ROWS_HERE)
        sides.origin.execute("UPDATE catalog_product SET stock = 5000 WHERE id = 'p-0000004'")
        for statement in _constraint(sides.target.kind):
            sides.target.execute(statement)
    try:
        released = fresh_pair.strangler("release", "catalog")
        with fresh_pair.sides() as sides:
            assert current(sides).phase == "sync" and sides.origin.has_capture(sides.module)
        [line] = [json.loads(line) for line in released.stdout.splitlines() if "catalog:" in line]
        assert line["level"] == "error" and "stock_below_1000" in line["problem"]
        assert "strangler data backfill catalog" in line["problem"]
    finally:
        with fresh_pair.sides() as sides:
            _drop_constraint(sides.target)
