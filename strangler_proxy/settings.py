"""The proxy's settings: the only place its environment is read (through chassis.env).

`load_settings()` is called once per process at start-up; a missing or malformed variable stops the
process with a message naming it. Upstream URLs are not here: the route table names, for each upstream,
the variable its URL comes from (e.g. MONOLITH_URL), and the loader reads those.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from chassis.env import ConfigError, env_float, env_int, env_list, env_str, env_url
from strangler_proxy.protocol import ConnectionSettings

DEFAULT_ROUTES_FILE = Path(__file__).resolve().parent / "routes.toml"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class ProxySettings:
    routes_file: Path
    # Peers whose X-Forwarded-* headers are extended rather than replaced (a load balancer in front).
    trusted_proxies: tuple[Network, ...]
    # Seconds a client has to send a request's headers (from its first byte, or from connecting).
    header_timeout: float
    # Seconds the proxy waits for each piece of a request body.
    body_timeout: float
    # Seconds a whole request body may take, however steadily it trickles in.
    body_deadline: float
    # Bytes of request line and headers accepted before the proxy answers 431.
    max_header_bytes: int
    # Request bodies up to this size are read whole before the upstream is contacted (and can be replayed).
    request_buffer_bytes: int
    # Keep-alive connections per upstream per worker process.
    pool_size: int
    # Seconds an idle pooled connection is kept; below the upstream's own keep-alive (gunicorn: 5 s).
    idle_timeout: float
    # Seconds /_strangler/readyz waits for each upstream and for Redis.
    ready_timeout: float
    # Host header of readiness probes (a name the upstreams' ALLOWED_HOSTS accept); None: their own.
    health_host: str | None
    redis_url: str
    service_name: str
    log_level: str
    # The bearer token /_strangler/metrics asks of a scraper; None leaves it open (local use).
    metrics_token: str | None = None
    # The bearer token that opens the dashboard (/_strangler/) besides a staff session; None: staff only.
    admin_token: str | None = None


def load_settings() -> ProxySettings:
    """Read every variable the proxy uses; raises ConfigError naming the first bad one."""
    return ProxySettings(
        routes_file=Path(env_str("ROUTES_FILE", "") or DEFAULT_ROUTES_FILE),
        trusted_proxies=_networks("TRUSTED_PROXIES"),
        header_timeout=_positive("PROXY_HEADER_TIMEOUT", 10.0),
        body_timeout=_positive("PROXY_BODY_TIMEOUT", 15.0),
        body_deadline=_positive("PROXY_BODY_DEADLINE", 60.0),
        max_header_bytes=_max_header_bytes(),
        request_buffer_bytes=env_int("PROXY_REQUEST_BUFFER_BYTES", 65536, minimum=0),
        pool_size=env_int("PROXY_POOL_SIZE", 64, minimum=1),
        idle_timeout=_positive("PROXY_IDLE_TIMEOUT", 4.0),
        ready_timeout=_positive("PROXY_READY_TIMEOUT", 1.0),
        health_host=env_str("PROXY_HEALTH_HOST", "") or None,
        redis_url=env_url("REDIS_URL", schemes=("redis", "rediss")),
        service_name=env_str("SERVICE_NAME", "strangler-proxy"),
        log_level=_log_level(),
        metrics_token=env_str("PROXY_METRICS_TOKEN", "") or None,
        admin_token=env_str("PROXY_ADMIN_TOKEN", "") or None,
    )


def load_connection_settings(*, keep_alive_timeout: float) -> ConnectionSettings:
    """What the server's workers need for each client connection; raises ConfigError naming a bad variable."""
    return ConnectionSettings(header_timeout=_positive("PROXY_HEADER_TIMEOUT", 10.0),
                              max_header_bytes=_max_header_bytes(), keep_alive_timeout=keep_alive_timeout)


def _max_header_bytes() -> int:
    return env_int("PROXY_MAX_HEADER_BYTES", 65536, minimum=1024)


def _positive(name: str, default: float) -> float:
    return env_float(name, default, minimum=0.001)


def _networks(name: str) -> tuple[Network, ...]:
    networks = []
    for item in env_list(name, ""):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(f"{name} has {item!r}, which is not an IP address or CIDR block; "
                              "see .env.example for what it means and a safe local value.") from None
    return tuple(networks)


def _log_level() -> str:
    level = env_str("LOG_LEVEL", "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(f"LOG_LEVEL={level!r} is not one of DEBUG, INFO, WARNING, ERROR; see .env.example.")
    return level
