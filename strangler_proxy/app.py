"""The proxy as an ASGI application: `strangler_proxy.app:application` (served by server.py).

Start-up (ASGI lifespan) reads the settings and loads the route table; a bad variable or any table error
stops the process, every error printed as a JSON log line. Then it opens a connection pool per upstream
and starts the limits stage, then the identity stage (whose look-ups the limits stage limits). Shut-down
closes them.

Requests under /_strangler/ are the proxy's own (health, readiness, metrics; the metrics behind a bearer
token when PROXY_METRICS_TOKEN is set; the dashboard at /_strangler/ itself, dashboard/); every other request
goes through the pipeline (pipeline.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from redis.exceptions import RedisError

from chassis import request_id
from chassis.env import ConfigError
from chassis.identity import sign_shadow
from chassis.logging import configure as configure_logging
from strangler_proxy.configuration.errors import RouteTableInvalid
from strangler_proxy.configuration.loader import load_route_table
from strangler_proxy.control.arms import ArmChooser
from strangler_proxy.control.live import LiveTable
from strangler_proxy.control.reload import table_to_load
from strangler_proxy.dashboard import Dashboard, is_dashboard_path
from strangler_proxy.errors import error_json
from strangler_proxy.exchange import Receive, Send
from strangler_proxy.forwarding.breaker import Breakers
from strangler_proxy.forwarding.forwarder import Forwarder
from strangler_proxy.forwarding.pool import UpstreamPool
from strangler_proxy.identity import stage as identity
from strangler_proxy.identity.stage import IdentityStage
from strangler_proxy.judge.runner import Judge
from strangler_proxy.judge.tally import JudgeTally
from strangler_proxy.limits import stage as limits
from strangler_proxy.limits.stage import LimitsStage
from strangler_proxy.observability.access_log import AccessLog
from strangler_proxy.observability.health import Readiness, healthz
from strangler_proxy.observability.metrics import CONTENT_TYPE, FLUSH_SECONDS, ProxyMetrics
from strangler_proxy.observability.recorder import Recorder
from strangler_proxy.observability.traffic import TrafficTally
from strangler_proxy.pipeline import Pipeline, build_stages, new_exchange
from strangler_proxy.redis_link import RedisLink
from strangler_proxy.settings import ProxySettings, load_settings
from strangler_proxy.shadow.dispatch import ShadowDispatcher
from strangler_proxy.table import RouteTable

logger = logging.getLogger("strangler_proxy.app")

ADMIN_PREFIX = "/_strangler/"
# Access-log lines are written (and metrics tallied) at most this long after their request.
RECORD_SECONDS = 0.1
ADMIN_ROUTE = "strangler-admin"


class StartupFailed(Exception):
    """The proxy cannot start; the reasons are already logged."""


@dataclass
class Runtime:
    """Everything one process builds at start-up and tears down at shut-down."""

    settings: ProxySettings
    live: LiveTable
    pools: dict[str, UpstreamPool]
    pipeline: Pipeline
    readiness: Readiness
    metrics: ProxyMetrics
    # Background tasks: idle connections and metrics (every second), the live route states (every 0.5 s).
    housekeeping: list[asyncio.Task[None]]
    identity: IdentityStage
    limits: LimitsStage
    control_redis: RedisLink
    shadow: ShadowDispatcher
    # The candidates' circuit breakers the forwarder keeps (the dashboard shows their states).
    breakers: Breakers


async def start() -> Runtime:
    """Build the runtime; raises StartupFailed after logging every reason."""
    settings = _settings()
    if not logging.getLogger().handlers:  # not under gunicorn, whose configuration already logs JSON
        configure_logging(settings.service_name, settings.log_level)
    table = _route_table(settings)
    pools = {name: UpstreamPool(name, upstream.url, size=settings.pool_size, idle_timeout=settings.idle_timeout,
                                dry_run=upstream.dry_run, owns_cookies=upstream.owns_cookies)
             for name, upstream in table.upstreams.items()}
    control_redis = RedisLink(settings.redis_url, timeout=settings.ready_timeout, name="strangler-proxy-control")
    live = LiveTable(table, control_redis)
    await live.refresh()  # the stored live states, before the first request
    limits_stage = await limits.startup(settings, table=lambda: live.table)
    identity_stage = await identity.startup(settings, lookup_limit=limits_stage, mode=table.identity,
                                            login_url=table.login_url)
    keys = identity_stage.keys
    shadow = ShadowDispatcher(pools, control_redis, shadow_proof=lambda: sign_shadow(keys=keys),
                              guarded_cookies=table.guarded_cookies)
    shadow.start()
    breakers = Breakers()
    forwarder = Forwarder(pools, max_body_bytes=table.max_body_bytes, buffer_bytes=settings.request_buffer_bytes,
                          body_timeout=settings.body_timeout, body_deadline=settings.body_deadline, breakers=breakers,
                          shadow=shadow, guarded_cookies=table.guarded_cookies)
    metrics = ProxyMetrics()
    stages = build_stages(trusted_proxies=settings.trusted_proxies, live=live, identity=identity_stage,
                          limits=limits_stage, arms=ArmChooser(identity_stage.keys), forwarder=forwarder)
    tally, traffic = JudgeTally(), TrafficTally()
    pipeline = Pipeline(stages, recorder=Recorder(AccessLog(settings.service_name), metrics, tally, traffic,
                                                  interval=RECORD_SECONDS))
    judge = Judge(control_redis, settings.redis_url, table=lambda: live.table, file_table=lambda: live.file_table)
    readiness = Readiness(pools, {name: upstream.health_path for name, upstream in table.upstreams.items()},
                          redis_url=settings.redis_url, timeout=settings.ready_timeout, host=settings.health_host)
    loop = asyncio.get_running_loop()
    housekeeping = [loop.create_task(_housekeeping(pools, metrics, (tally, traffic), control_redis)),
                    loop.create_task(live.follow()), loop.create_task(judge.run())]
    return Runtime(settings, live, pools, pipeline, readiness, metrics, housekeeping, identity_stage, limits_stage,
                   control_redis, shadow, breakers)


async def stop(runtime: Runtime) -> None:
    for task in runtime.housekeeping:
        task.cancel()
    runtime.pipeline.recorder.flush()
    runtime.metrics.flush()
    await runtime.identity.aclose()
    await runtime.limits.aclose()
    await runtime.shadow.stop()
    await runtime.control_redis.aclose()
    await runtime.readiness.close()
    for pool in runtime.pools.values():
        await pool.close()


def _settings() -> ProxySettings:
    try:
        return load_settings()
    except ConfigError as error:
        logger.error(str(error))
        raise StartupFailed(str(error)) from None


def _route_table(settings: ProxySettings) -> RouteTable:
    try:
        return load_route_table(table_to_load(os.environ, settings.routes_file), os.environ)
    except RouteTableInvalid as invalid:
        for error in invalid.errors:
            logger.error(error, extra={"route_table": invalid.source})
        raise StartupFailed(f"the route table {invalid.source} has {len(invalid.errors)} error(s)") from None


async def _housekeeping(pools: dict[str, UpstreamPool], metrics: ProxyMetrics,
                        tallies: tuple[JudgeTally, TrafficTally], redis: RedisLink) -> None:
    """Every second: close expired idle upstream connections (so none lingers until the upstream drops
    it), publish this worker's metric tallies, and add its canary counts and its requests per route and
    upstream to the fleet's in Redis."""
    while True:
        await asyncio.sleep(FLUSH_SECONDS)
        for pool in pools.values():
            pool.close_expired()
        metrics.flush()
        try:
            await asyncio.gather(*(tally.flush(redis) for tally in tallies))
        except (RedisError, OSError) as error:
            logger.warning("could not add this process's counts in Redis", extra={"error": str(error)})


# ---------------------------------------------------------------- the proxy's own endpoints
async def admin(runtime: Runtime, scope: dict[str, Any], receive: Receive, send: Send) -> None:
    """/_strangler/healthz, /readyz, /metrics and the dashboard; 404 for anything else under /_strangler/."""
    exchange = new_exchange(scope, receive, send)
    incoming = exchange.header(b"x-request-id")
    exchange.request_id = request_id.accept(incoming.decode("latin-1") if incoming else None)
    request_id.bind(exchange.request_id)  # the connection's task may still hold the previous request's
    path = scope["path"]
    if is_dashboard_path(path):
        await Dashboard(admin_token=runtime.settings.admin_token, redis_url=runtime.settings.redis_url,
                        live=runtime.live, identity=runtime.identity,
                        breakers=runtime.breakers.states).serve(exchange)
    elif path == "/_strangler/metrics" and not _may_scrape(runtime.settings, exchange.header(b"authorization")):
        await _answer(exchange, 401, error_json(401, "The metrics need Authorization: Bearer <PROXY_METRICS_TOKEN>.",
                                                exchange.request_id),
                      b"application/json", [(b"www-authenticate", b"Bearer")])
    elif path == "/_strangler/metrics":
        runtime.pipeline.recorder.flush()
        runtime.metrics.flush()
        body = await asyncio.to_thread(runtime.metrics.exposition)
        await _answer(exchange, 200, body, CONTENT_TYPE.encode())
    else:
        status, body = await _admin_json(runtime, path, exchange.request_id)
        await _answer(exchange, status, body, b"application/json")
    runtime.pipeline.record(exchange, route=ADMIN_ROUTE)


def _may_scrape(settings: ProxySettings, authorization: bytes | None) -> bool:
    """Whether the caller may read the metrics: anyone when no PROXY_METRICS_TOKEN is set."""
    if settings.metrics_token is None:
        return True
    if authorization is None:
        return False
    # RFC 9110 (11.1): the scheme is case-insensitive, so "bearer" and "BEARER" are "Bearer" too.
    scheme, _, token = authorization.strip().partition(b" ")
    return scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), settings.metrics_token.encode())


async def _admin_json(runtime: Runtime, path: str, rid: str) -> tuple[int, bytes]:
    if path == "/_strangler/healthz":
        return healthz()
    if path == "/_strangler/readyz":
        return await runtime.readiness.readyz(rid)
    return 404, error_json(404, f"The proxy has no page at {path}.", rid)


async def _answer(exchange: Any, status: int, body: bytes, content_type: bytes,
                  extra: list[tuple[bytes, bytes]] | None = None) -> None:
    exchange.status, exchange.bytes_out = status, len(body)
    await exchange.send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", content_type), (b"content-length", b"%d" % len(body)),
        (b"cache-control", b"no-store"), (b"x-request-id", exchange.request_id.encode()), *(extra or [])]})
    await exchange.send({"type": "http.response.body", "body": body})


# ---------------------------------------------------------------- the ASGI application
class ProxyApplication:
    """The ASGI callable: lifespan, the proxy's own endpoints, and the pipeline for everything else."""

    def __init__(self) -> None:
        self.runtime: Runtime | None = None

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            runtime = self.runtime
            assert runtime is not None, "the server must run the lifespan start-up first"
            if scope["path"].startswith(ADMIN_PREFIX):
                await admin(runtime, scope, receive, send)
            else:
                await runtime.pipeline(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self.lifespan(scope, receive, send)

    async def lifespan(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        try:
            with _logged_crash():
                self.runtime = await start()
        except Exception as failure:
            await send({"type": "lifespan.startup.failed", "message": str(failure)})
            return
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        await stop(self.runtime)
        await send({"type": "lifespan.shutdown.complete"})


@contextlib.contextmanager
def _logged_crash() -> Iterator[None]:
    try:
        yield
    except StartupFailed:
        raise
    except ConfigError as error:  # a variable read by the identity or limits stage
        logger.error(str(error))
        raise
    except Exception:
        logger.exception("the proxy could not start")
        raise


application = ProxyApplication()
