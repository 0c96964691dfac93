"""Where a module's summary is kept for the proxy's dashboard: one JSON document per module in Redis.

    strangler:datasync:<module>   {"module", "phase", "owner", "reads", "backlog", "lagSeconds",
                                   "reconcile": {...} | null, "backfill": {...} | null, "at"}

The datasync side writes it (datasync.summary) when a phase changes, a backfill batch commits and a
reconciliation is recorded; the dashboard only reads it (the proxy imports no application code and has
no database access). This module imports nothing but redis, so the proxy can read what it says.
"""

from __future__ import annotations

import json
from typing import Any

import redis

KEY_PREFIX = "strangler:datasync:"


def key_of(module: str) -> str:
    return f"{KEY_PREFIX}{module}"


def publish(client: redis.Redis, summary: dict[str, Any]) -> None:
    """Keep `summary` (one module's, with its "module" name) in Redis, replacing the last one."""
    client.set(key_of(summary["module"]), json.dumps(summary, sort_keys=True))


def published(client: redis.Redis) -> list[dict[str, Any]]:
    """Every module's last summary, by module name."""
    keys = sorted(client.scan_iter(match=f"{KEY_PREFIX}*", count=100))
    if not keys:
        return []
    found = []
    for raw in client.mget(keys):
        if raw is None:  # removed between the scan and the read
            continue
        found.append(json.loads(raw.decode() if isinstance(raw, bytes) else raw))
    return found
