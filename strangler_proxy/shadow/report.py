"""Reading what shadowing recorded for a route (record.py) into one report: counts, field verdicts and
the latest samples. Used by `strangler diffs` and the dashboard."""

from __future__ import annotations

import json
from typing import Any

import redis

from strangler_proxy.redis_link import as_text
from strangler_proxy.shadow.noise import verdicts
from strangler_proxy.shadow.record import counts_key, samples_key

COUNTS = ("compared", "mismatched", "dropped", "skipped", "noise_samples")


def shadow_report(client: redis.Redis, route_id: str, *, limit: int = 5) -> dict[str, Any]:
    raw = {as_text(key): int(value) for key, value in client.hgetall(counts_key(route_id)).items()}
    counts = {name: raw.get(name, 0) for name in COUNTS}
    candidate = {key[2:]: value for key, value in raw.items() if key.startswith("c:")}
    noise = {key[2:]: value for key, value in raw.items() if key.startswith("n:")}
    fields = verdicts(candidate, counts["compared"], noise, counts["noise_samples"])
    samples = [json.loads(sample) for sample in client.lrange(samples_key(route_id), 0, max(limit, 0) - 1)] if limit else []
    diff_rate = counts["mismatched"] / counts["compared"] if counts["compared"] else 0.0
    return {"route": route_id, "counts": counts, "diff_rate": diff_rate,
            "fields": [field.as_dict() for field in fields], "samples": samples}
