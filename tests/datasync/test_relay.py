"""The relay SIGKILLed mid-stream and started again loses no event and applies none twice."""

from __future__ import annotations

import signal
import uuid

import redis

from datasync.reconcile import reconcile
from datasync.relay import prune
from datasync.store import backlog
from devstack.datasync import Pair
from tests.datasync.conftest import ROWS
from tests.support.waiting import wait_until

UPDATES = 3  # every row changes this many times, each in its own transaction per tenth of the table
ROWS_HERE = ROWS // 3


def _published(pair: Pair) -> tuple[int, int]:
    with pair.sides() as sides:
        done, total = sides.origin.one("SELECT count(published_at), count(*) FROM datasync_outbox")
    return int(done), int(total)


def test_relay_killed_mid_stream_loses_nothing_and_applies_nothing_twice(fresh_pair: Pair) -> None:
    """Thousands of captured changes wait in the outbox; the relay is SIGKILLed while moving them."""
    pair = fresh_pair
    pair.sync_on_and_backfill(rows=ROWS_HERE)
    with pair.sides() as sides:
        tenth = ROWS_HERE // 10
        for round_ in range(UPDATES):
            for start in range(1, ROWS_HERE + 1, tenth):
                sides.origin.execute(f"UPDATE catalog_product SET stock = stock + 1, keywords = 'round {round_}' "
                                     f"WHERE id BETWEEN 'p-{start:07d}' AND 'p-{start + tenth - 1:07d}'")
    events = ROWS_HERE * UPDATES
    assert _published(pair) == (0, events)

    relay = pair.start("relay", "catalog", "--batch", "50", env={"DATASYNC_RELAY_IDLE_SECONDS": "0.05"})
    wait_until(lambda: _published(pair)[0] >= events // 4, timeout=60, what="a quarter of the events relayed",
               interval=0.02)
    relay.popen.send_signal(signal.SIGKILL)
    relay.popen.wait(timeout=10)
    published_at_kill = _published(pair)[0]
    assert published_at_kill < events

    prefix = f"datasync-test-{uuid.uuid4().hex[:10]}"  # the service's API cache, which applied changes invalidate
    again = pair.start("relay", "catalog", "--batch", "500",
                       env={"DATASYNC_RELAY_IDLE_SECONDS": "0.05", "CATALOG_REDIS_PREFIX": prefix})
    try:
        with pair.sides() as sides:
            wait_until(lambda: backlog(sides.origin, sides.module) == 0, timeout=90, what="the outbox drained",
                       interval=0.1)
    finally:
        assert again.stop(timeout=30) == 0  # SIGTERM: it finishes its batch and exits cleanly

    with pair.sides() as sides:
        sent = {row[0] for row in sides.origin.rows("SELECT event_id FROM datasync_outbox")}
        applied = [row[0] for row in sides.target.rows("SELECT event_id FROM datasync_applied")]
        assert len(sent) == events
        assert set(applied) == sent  # none lost
        assert len(applied) == len(set(applied))  # none recorded twice
        assert reconcile(sides).differences == 0  # and the rows agree
        keywords = sides.target.rows("SELECT DISTINCT keywords FROM catalog_product")
        assert keywords == [(f"round {UPDATES - 1}",)]  # the newest change of every row won

        assert prune(sides.origin, sides.module, keep_seconds=0) == events  # old published events go
        assert sides.origin.one("SELECT count(*) FROM datasync_outbox")[0] == 0
    client = redis.Redis.from_url(pair.env["REDIS_URL"])
    try:
        assert client.delete(f"{prefix}:generation") == 1  # the service's cached answers were made unreachable
    finally:
        client.close()
