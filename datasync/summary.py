"""A module's summary for the proxy's dashboard (datasync.published), built from both sides' state and
written to the Redis at REDIS_URL whenever the state is saved and as a backfill goes.

`open_sides(module, publisher=Publisher(client))` hands it to the phases, the backfill and the
reconciliation (datasync.store calls it after every state change); `publisher_from_env()` builds one when
REDIS_URL is set. A Redis that cannot be reached is logged and never fails a phase: the databases hold
the truth, and the next change publishes again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import redis

from datasync import published
from datasync.store import Sides, backlog, current, parked

logger = logging.getLogger("datasync.summary")


def summary(sides: Sides, *, backfill: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Phase, owner, reads, the relay's backlog and lag, rows parked (refused by the other side), the last
    reconciliation, and the backfill (the
    running one's progress when given, else the last one's report)."""
    state = current(sides)
    waiting, lag = (_relay(sides, state.owner) if state.owner else (0, None))
    last_backfill = dict(backfill) if backfill is not None else state.detail.get("backfill")
    return {"module": sides.module.name, "phase": state.phase, "owner": state.owner, "reads": state.reads,
            "origin": sides.module.origin.name, "target": sides.module.target.name, "backlog": waiting,
            "parked": sum(parked(database, sides.module) for database in sides.databases.values()),
            "lagSeconds": lag, "reconcile": state.detail.get("reconcile"), "backfill": last_backfill,
            "updatedAt": state.updated_at, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def _relay(sides: Sides, owner: str) -> tuple[int, float | None]:
    """How many of the owner's events wait for the relay, and the age in seconds of the oldest."""
    database = sides[owner]
    waiting = backlog(database, sides.module)
    if not waiting:
        return 0, 0.0
    oldest = database.one("SELECT min(id) FROM datasync_outbox WHERE module = %s AND published_at IS NULL",
                          [sides.module.name])[0]
    found = database.rows(f"SELECT {_age(database)} FROM datasync_outbox WHERE id = %s", [oldest])
    return waiting, (round(max(float(found[0][0]), 0.0), 3) if found and found[0][0] is not None else None)


def _age(database: Any) -> str:
    if database.kind == "postgresql":
        return "extract(epoch FROM now() - created_at)"
    return "(julianday('now') - julianday(created_at)) * 86400.0"


class Publisher:
    """Writes a module's summary to Redis; `publish(sides)` after a change, `progress(...)` during a backfill."""

    def __init__(self, client: redis.Redis, *, min_interval: float = 0.5) -> None:
        self.client = client
        self.min_interval = min_interval
        self._last = 0.0

    def publish(self, sides: Sides, *, backfill: Mapping[str, Any] | None = None) -> None:
        try:
            published.publish(self.client, summary(sides, backfill=backfill))
        except redis.RedisError as error:
            logger.warning("summary not published", extra={"datasync_module": sides.module.name,
                                                            "reason": str(error)})
        self._last = time.monotonic()

    def progress(self, sides: Sides, backfill: Mapping[str, Any]) -> None:
        """A backfill batch committed: publish, at most every `min_interval` seconds."""
        if time.monotonic() - self._last >= self.min_interval:
            self.publish(sides, backfill=backfill)

    def close(self) -> None:
        self.client.close()


def publisher_from_env(environ: Mapping[str, str]) -> Publisher | None:
    """A Publisher to the Redis at REDIS_URL, or None when it is not set."""
    url = environ.get("REDIS_URL", "")
    if not url:
        return None
    return Publisher(redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2))
