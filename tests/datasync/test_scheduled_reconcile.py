"""The beat job reconciles a syncing module on its own and records the result where `status` reads it."""

from __future__ import annotations

import uuid

import redis

from datasync.store import current
from devstack.datasync import Pair
from devstack.processes import ManagedProcess
from tests.support.waiting import wait_until


def _recorded(pair: Pair) -> dict | None:
    with pair.sides() as sides:
        found = current(sides).detail.get("reconcile")
    return found if found and found["differing"] == 1 else None


def test_beat_reconciles_a_syncing_module_and_records_a_drift(fresh_pair: Pair) -> None:
    """Both sides equal but for one row changed on the service's side behind the sync's back."""
    fresh_pair.sync_on_and_backfill(rows=200)
    with fresh_pair.sides() as sides, sides.target.transaction():
        sides.target.mark_applying()
        sides.target.execute("UPDATE catalog_product SET name = 'drifted' WHERE id = 'p-0000042'")
        sides.target.unmark_applying()
    queue = f"datasync-{uuid.uuid4().hex[:10]}"
    worker = ManagedProcess(["celery", "--quiet", "-A", "datasync.celery_app", "worker", "--beat", "--queues", queue,
                             "--concurrency", "1", "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
                            {**fresh_pair.env, "DATASYNC_QUEUE": queue, "DATASYNC_RECONCILE_SECONDS": "1",
                             "DATASYNC_MODULES": "extracted.catalog.sync:CATALOG"})
    try:
        found = wait_until(lambda: _recorded(fresh_pair), timeout=60, what="a scheduled reconciliation", interval=0.2)
        logged = wait_until(lambda: [line for line in worker.json_lines() if line.get("message") == "reconciled"],
                            timeout=30, what="the reconciliation's log line", interval=0.1)
    finally:
        worker.stop(timeout=30)
        client = redis.Redis.from_url(fresh_pair.env["REDIS_URL"])
        client.delete(queue, f"_kombu.binding.{queue}")
        client.close()
    assert (found["missing"], found["extra"], found["differing"]) == (0, 0, 1)
    assert any(line.get("differences") == 1 for line in logged)
