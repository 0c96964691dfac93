"""Liveness and readiness.

`/healthz` answers from memory (the process is up); `/readyz` checks each backing service with a short
timeout and answers 503 naming the failing check, so a load balancer stops sending traffic to a process
that cannot serve it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.urls import path

logger = logging.getLogger(__name__)

Check = Callable[[], None]


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def check_redis() -> None:
    timeout = getattr(settings, "HEALTH_CHECK_TIMEOUT", 1.0)
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


CHECKS: dict[str, Check] = {"database": check_database, "redis": check_redis}


def run_checks(checks: dict[str, Check]) -> dict[str, str]:
    results = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure of a backing service means "not ready"
            logger.warning("readiness check failed", extra={"check": name, "error": str(exc)})
            results[name] = f"failed: {exc.__class__.__name__}: {exc}"
    return results


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    results = run_checks(CHECKS)
    failing = [name for name, outcome in results.items() if outcome != "ok"]
    if failing:
        return JsonResponse({"code": 503, "message": f"not ready: {', '.join(failing)}", "checks": results},
                            status=503)
    return JsonResponse({"status": "ok", "checks": results})


urlpatterns = [path("healthz", healthz, name="healthz"), path("readyz", readyz, name="readyz")]
