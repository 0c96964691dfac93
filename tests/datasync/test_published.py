"""A module's summary reaches Redis (datasync.published) when `strangler data` changes its phase, as a
backfill commits its batches, and when the scheduled reconciliation records a result."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from datasync import phases, published
from datasync.store import open_sides
from datasync.summary import Publisher
from devstack.datasync import CATALOG, Pair, fill_products

KEY = published.key_of("catalog")


@pytest.fixture
def client(fresh_pair: Pair) -> Iterator[redis.Redis]:
    found = redis.Redis.from_url(fresh_pair.env["REDIS_URL"], decode_responses=True)
    found.delete(KEY)
    yield found
    found.delete(KEY)
    found.close()


def _summary(client: redis.Redis) -> dict[str, Any]:
    raw = client.get(KEY)
    assert raw is not None, f"nothing published at {KEY}"
    return json.loads(raw)


def test_each_step_of_the_command_publishes_the_module_summary(fresh_pair: Pair, client: redis.Redis) -> None:
    with fresh_pair.sides() as sides:
        fill_products(sides.origin, 250)
    fresh_pair.strangler("sync-on", "catalog")
    after_sync = _summary(client)
    assert (after_sync["phase"], after_sync["owner"], after_sync["reads"]) == ("sync", "monolith", "monolith")
    assert after_sync["backfill"] is None and after_sync["reconcile"] is None

    fresh_pair.strangler("backfill", "catalog", "--batch", "100", "--json")
    backfilled = _summary(client)
    assert backfilled["phase"] == "backfilled"
    assert (backfilled["backfill"]["copied"], backfilled["backfill"]["batches"]) == (250, 3)

    with fresh_pair.sides() as sides, sides.origin.transaction():  # two writes the relay has not carried yet
        sides.origin.execute("UPDATE catalog_product SET name = 'renamed' WHERE id IN ('p-0000001', 'p-0000002')")
    assert fresh_pair.strangler("verify", "catalog", check=False).returncode == 1
    verified = _summary(client)
    assert verified["backlog"] == 2 and verified["lagSeconds"] is not None and verified["lagSeconds"] >= 0
    assert (verified["reconcile"]["differing"], verified["reconcile"]["missing"], verified["reconcile"]["extra"]) == (2, 0, 0)

    status = fresh_pair.strangler_json("status", "catalog")[0]
    assert (status["backlog"], status["detail"]["reconcile"]["differing"]) == (2, 2)
    assert status["lagSeconds"] is not None


def test_a_running_backfill_publishes_its_progress_batch_by_batch(fresh_pair: Pair, client: redis.Redis) -> None:
    seen: list[dict[str, Any]] = []
    publisher = Publisher(redis.Redis.from_url(fresh_pair.env["REDIS_URL"]), min_interval=0)
    try:
        with fresh_pair.sides() as plain:
            fill_products(plain.origin, 500)
        with open_sides(CATALOG, fresh_pair.env, publisher=publisher) as sides:
            phases.sync_on(sides)
            # Each batch's callback runs before that batch is published: it finds the one before it.
            phases.start_backfill(sides, batch=100, on_batch=lambda count: seen.append(_summary(client)))
    finally:
        publisher.close()
    running = [found["backfill"] for found in seen[1:]]
    assert [(found["running"], found["copied"], found["total"]) for found in running] == [
        (True, 100, 500), (True, 200, 500), (True, 300, 500), (True, 400, 500)]
    assert all(found["phase"] == "sync" for found in seen)
    final = _summary(client)
    assert final["phase"] == "backfilled" and "running" not in final["backfill"]
    assert final["backfill"]["copied"] == 500


def test_the_scheduled_reconciliation_publishes_its_result(fresh_pair: Pair, client: redis.Redis,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    fresh_pair.sync_on_and_backfill(rows=200)
    with fresh_pair.sides() as sides, sides.target.transaction():
        sides.target.mark_applying()
        sides.target.execute("DELETE FROM catalog_product WHERE id = 'p-0000007'")
        sides.target.unmark_applying()
    for name in ("DATABASE_URL", "CATALOG_DATABASE_URL", "REDIS_URL"):
        monkeypatch.setenv(name, fresh_pair.env[name])
    monkeypatch.setenv("DATASYNC_MODULES", "extracted.catalog.sync:CATALOG")
    from datasync.celery_app import reconcile_module

    result = reconcile_module("catalog")
    assert result is not None and result["missing"] == ["p-0000007"]
    found = _summary(client)
    assert (found["reconcile"]["missing"], found["reconcile"]["extra"], found["reconcile"]["differing"]) == (1, 0, 0)
    assert found["phase"] == "backfilled" and found["backfill"]["copied"] == 200
