"""The limits stage's settings, read once from the environment (through chassis.env).

    LIMITS_LEASE_MAX        Most tokens a process takes from a shared bucket per Redis round trip
                            (default 10; 1 turns leasing off: exact limits, a round trip per request).
    LIMITS_LEASE_SECONDS    How long a process may hold leased tokens before dropping them (default 1).
    EDGE_REDIS_TIMEOUT      Seconds a Redis call may take before the edge goes on without it (0.25).
"""

from __future__ import annotations

from dataclasses import dataclass

from chassis.env import env_float, env_int


@dataclass(frozen=True)
class LimitsConfig:
    lease_max: int = 10
    lease_seconds: float = 1.0
    redis_timeout: float = 0.25


def load_limits_config() -> LimitsConfig:
    """Read the variables above; raises ConfigError naming the first bad one."""
    return LimitsConfig(
        lease_max=env_int("LIMITS_LEASE_MAX", 10, minimum=1),
        lease_seconds=env_float("LIMITS_LEASE_SECONDS", 1.0, minimum=0.01),
        redis_timeout=env_float("EDGE_REDIS_TIMEOUT", 0.25, minimum=0.001),
    )
