"""Injected faults, so clients can be tested against a slow, failing or flaky processor.

Applied to `/v1/` calls only (the `/_sandbox/` controls stay reliable), in this order:

    latency    sleep CARD_SANDBOX_LATENCY_MS before handling the call
    failure    with probability CARD_SANDBOX_FAILURE_RATE, answer 503 api_error without acting
    drop       with probability CARD_SANDBOX_DROP_RATE, act (and commit), then close the connection
               without answering: the client cannot know whether it was charged

Draws come from one random stream per process, seeded by CARD_SANDBOX_SEED when given, so a sequence
of calls meets the same faults on every run (with WEB_CONCURRENCY=1).
"""

from __future__ import annotations

import logging
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

from sandboxes.card_processor.errors import ApiUnavailable, error_response

logger = logging.getLogger(__name__)

API_PREFIX = "/v1/"


@dataclass(frozen=True)
class Faults:
    latency_ms: int
    failure_rate: float
    drop_rate: float
    rng: random.Random

    @classmethod
    def from_settings(cls) -> Faults:
        return cls(latency_ms=settings.CARD_SANDBOX_LATENCY_MS, failure_rate=settings.CARD_SANDBOX_FAILURE_RATE,
                   drop_rate=settings.CARD_SANDBOX_DROP_RATE, rng=random.Random(settings.CARD_SANDBOX_SEED))

    def delay(self) -> None:
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)

    def should_fail(self) -> bool:
        return self._draw(self.failure_rate)

    def should_drop(self) -> bool:
        return self._draw(self.drop_rate)

    def _draw(self, rate: float) -> bool:
        # A rate of 0 draws nothing, so turning one fault on does not shift the other's stream.
        return rate > 0 and self.rng.random() < rate


class FaultInjectionMiddleware:
    """Wraps every API call in the configured faults; the configuration is read once, at start-up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.faults = Faults.from_settings()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        self.faults.delay()
        if self.faults.should_fail():
            logger.warning("fault injected: outage, nothing done", extra={"path": request.path})
            return error_response(ApiUnavailable("processor_unavailable", "The card processor is unavailable."))
        response = self.get_response(request)
        if self.faults.should_drop():
            drop_connection(request)
        return response


def drop_connection(request: HttpRequest) -> None:
    """Close the client's connection so the response already made is never sent."""
    sock = request.META.get("gunicorn.socket")
    if sock is None:
        raise ImproperlyConfigured("CARD_SANDBOX_DROP_RATE needs the sandbox served by gunicorn.")
    logger.warning("fault injected: response dropped after acting", extra={"path": request.path})
    # gunicorn's write of the response then fails with EPIPE, which it ignores; the client reads EOF.
    sock.shutdown(socket.SHUT_RDWR)
