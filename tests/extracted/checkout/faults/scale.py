"""How big the fault runs are: bounded in CI, the full size with FAULT_SCALE=full.

    FAULT_SCALE unset or "ci"   40 checkouts over 20 s of worker kills, 60 under dropped answers, 40
                                across a Redis restart, a 15 s outage: the suite in a few minutes on two cores
    FAULT_SCALE=full            200 over 60 s of kills, 500, 200, a 60 s outage: the load the checkout's
                                fault tolerance is claimed for (README, "Tests")
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """The sizes of one fault run."""

    name: str
    kill_checkouts: int          # checkouts placed while workers are SIGKILLed
    kill_seconds: float          # spread over this long: the time during which workers are killed
    drop_checkouts: int          # checkouts against a processor that drops 20% of its answers
    redis_checkouts: int         # checkouts across a Redis restart
    outage_seconds: float        # how long the card processor is down
    outage_checkouts: int        # checkouts placed around the outage (each variant)
    checkouts_per_second: float  # the pace at which every test places its checkouts


SCALES = {
    "ci": Scale("ci", kill_checkouts=40, kill_seconds=20, drop_checkouts=60, redis_checkouts=40,
                outage_seconds=15, outage_checkouts=20, checkouts_per_second=10),
    "full": Scale("full", kill_checkouts=200, kill_seconds=60, drop_checkouts=500, redis_checkouts=200,
                  outage_seconds=60, outage_checkouts=60, checkouts_per_second=10),
}


def fault_scale(environ: dict[str, str] | None = None) -> Scale:
    """The scale FAULT_SCALE names ("ci" when unset); a clear error for any other value."""
    name = (os.environ if environ is None else environ).get("FAULT_SCALE", "").strip().lower() or "ci"
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"FAULT_SCALE={name!r} is not a scale; use one of {', '.join(SCALES)}") from None


def retry_budget_covering(seconds: float) -> dict[str, str]:
    """SAGA_* settings whose retries keep trying a step for at least `seconds`, whatever the jitter draws.

    A countdown is between half and all of min(cap, base x 2^(attempt-1)); the budget counts the halves.
    """
    base, cap = 0.5, 4.0 if seconds <= 30 else 8.0
    attempts, waited = 1, 0.0
    while waited < seconds:
        waited += min(cap, base * 2 ** (attempts - 1)) / 2
        attempts += 1
    return {"SAGA_MAX_ATTEMPTS": str(attempts), "SAGA_BACKOFF_BASE_SECONDS": str(base),
            "SAGA_BACKOFF_MAX_SECONDS": str(cap), "SAGA_STUCK_AFTER_SECONDS": str(int(cap * 2.5))}
