"""The identity stage's settings, read once from the environment (through chassis.env).

    IDENTITY_SIGNING_KEYS     REQUIRED. Comma-separated; the first signs, every one verifies. Each is
                              at least 32 characters; in production none may be weak or an example
                              value (the rule of chassis.keys, which the services' checks share).
    ENVIRONMENT               development or production (the default when unset).
    MONOLITH_URL              REQUIRED. Base URL of the monolith; /internal/identity is asked there.
    IDENTITY_CACHE_SECONDS    How long a resolved session or token is cached in Redis (default 30).
    IDENTITY_LOOKUP_TIMEOUT   Seconds the monolith has to answer a lookup (default 2).
    MONOLITH_SESSION_COOKIE   The monolith's SESSION_COOKIE_NAME (default sessionid).
    PROXY_HEALTH_HOST         Host header of the proxy's own calls to upstreams (a name the monolith's
                              ALLOWED_HOSTS accepts); empty: MONOLITH_URL's host:port. Shared with
                              the readiness probes.
    API_KEY_CACHE_SECONDS     How long a process remembers an API key's plan; a revoked key works
                              at most this long (default 5; 0 asks Redis on every request).
    EDGE_REDIS_TIMEOUT        Seconds a Redis call may take before the edge goes on without it (0.25).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from chassis.env import ConfigError, env_environment, env_float, env_int, env_list, env_str, env_url
from chassis.keys import GENERATE_HINT, SIGNING_KEY_MIN_LENGTH, weak_keys


@dataclass(frozen=True)
class IdentityConfig:
    signing_keys: tuple[str, ...]
    monolith_url: str
    cache_seconds: int = 30
    lookup_timeout: float = 2.0
    session_cookie: str = "sessionid"
    lookup_host: str | None = None
    api_key_cache_seconds: float = 5.0
    redis_timeout: float = 0.25


def load_identity_config(mode: str = "django") -> IdentityConfig:
    """Read the variables above; raises ConfigError naming the first missing or bad one. With the route
    table's identity = "off" nothing is looked up, so MONOLITH_URL is not needed, and without
    IDENTITY_SIGNING_KEYS the process signs its own proofs with a key made at start-up (a tester's pinned
    canary side and dry-run shadow writes then need the variable set)."""
    if mode == "off":
        return IdentityConfig(signing_keys=signing_keys() if env_list("IDENTITY_SIGNING_KEYS") else
                              (secrets.token_urlsafe(48),), monolith_url="")
    return IdentityConfig(
        signing_keys=signing_keys(),
        monolith_url=env_url("MONOLITH_URL", schemes=("http", "https")),
        cache_seconds=env_int("IDENTITY_CACHE_SECONDS", 30, minimum=1),
        lookup_timeout=env_float("IDENTITY_LOOKUP_TIMEOUT", 2.0, minimum=0.01),
        session_cookie=env_str("MONOLITH_SESSION_COOKIE", "sessionid"),
        lookup_host=env_str("PROXY_HEALTH_HOST", "") or None,
        api_key_cache_seconds=env_float("API_KEY_CACHE_SECONDS", 5.0),
        redis_timeout=env_float("EDGE_REDIS_TIMEOUT", 0.25, minimum=0.001),
    )


def signing_keys(name: str = "IDENTITY_SIGNING_KEYS") -> tuple[str, ...]:
    """The signing keys in `name`: each long enough anywhere, and none weak in production."""
    keys = tuple(env_list(name))
    if not keys:
        raise ConfigError(f"{name} is empty; see .env.example for what it means and a safe local value.")
    if any(len(key) < SIGNING_KEY_MIN_LENGTH for key in keys):
        raise ConfigError(f"{name} has a key shorter than {SIGNING_KEY_MIN_LENGTH} characters; generate one "
                          f"with {GENERATE_HINT}.")
    weak = weak_keys(keys, min_length=SIGNING_KEY_MIN_LENGTH) if env_environment() == "production" else []
    if weak:
        raise ConfigError(f"{name} has a weak or example key in production: {'; '.join(weak)}; generate each "
                          f"with {GENERATE_HINT}, or set ENVIRONMENT=development for a local run.")
    return keys
