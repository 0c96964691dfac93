"""The checkout benchmark's system side: the processes it starts, its clients, and reading orders back.

    throwaway_redis(folder)     a redis-server of the run's own, on a free port
    Clients(system, token)      POST /v1/checkout on the monolith (token) or the checkout (signed identity)
    wait_for_events(system, n)  polls the order-events queue, where every finished order leaves one event
    read_orders / finishing_times / keep_logs    after a part: what became of its orders, and the logs
"""

from __future__ import annotations

import datetime
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
import requests

from benchmarks import cpu
from benchmarks.checkout_load import Run
from benchmarks.processes import free_port
from chassis import devredis
from devstack.checkout import CheckoutSystem

PRODUCT = "prosecco"
STALL_SECONDS = 60.0
STEP_ERROR = "raised unexpected"  # celery.app.trace's line for a task that failed with an exception


def say(message: str) -> None:
    print(f"benchmark: {message}", flush=True)


# ---------------------------------------------------------------- the machine
class Busy:
    """CPU the machine spent on other work while a part ran: its busy time less this benchmark's tree."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.machine, self.ours = cpu.machine_busy_ticks(), cpu.tree_ticks([os.getpid()])

    def elsewhere_cores(self) -> float:
        seconds = time.monotonic() - self.started
        machine = cpu.machine_busy_ticks() - self.machine
        ours = cpu.tree_ticks([os.getpid()]) - self.ours
        return max(0.0, cpu.ticks_to_seconds(machine - ours) / seconds) if seconds > 0 else 0.0


@contextmanager
def throwaway_redis(workdir: Path) -> Iterator[str]:
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    workdir.mkdir(parents=True, exist_ok=True)
    process = devredis.start(port, str(workdir))
    # Nobody reads the server's log; reading it keeps a full pipe from ever blocking the server.
    threading.Thread(target=lambda: process.stdout and process.stdout.read(), daemon=True).start()
    try:
        _until(lambda: devredis.answers(url), timeout=10, what="the benchmark's redis-server")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _until(condition: Callable[[], Any], *, timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


# ---------------------------------------------------------------- the two checkouts as clients see them
def delivery() -> dict[str, str]:
    in_three_days = datetime.date.today() + datetime.timedelta(days=3)
    return {"productId": PRODUCT, "deliveryAddress": "12 Rue de Rivoli, Paris",
            "deliveryDate": in_three_days.isoformat()}


def monolith_token(monolith_url: str) -> str:
    """Sign a new user up on the monolith; its API token."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    response = requests.post(f"{monolith_url}/v1/auth/signup", timeout=30, json={
        "username": name, "email": f"{name}@example.com", "password": f"Pw-{uuid.uuid4().hex}"})
    response.raise_for_status()
    return response.json()["token"]


class Clients:
    """One keep-alive session per client thread, for either checkout."""

    def __init__(self, system: CheckoutSystem, token: str) -> None:
        self.system, self.token = system, token
        self.local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        return session

    def monolith(self, number: int) -> tuple[int, str]:
        response = self._session().post(f"{self.system.monolith_url}/v1/checkout", json=delivery(), timeout=60,
                                        headers={"Authorization": f"Token {self.token}"})
        return response.status_code, response.json().get("orderId", "") if response.ok else ""

    def checkout(self, number: int) -> tuple[int, str]:
        response = self._session().post(f"{self.system.checkout_url}/v1/checkout", json=delivery(), timeout=60,
                                        headers=self.system.headers())
        return response.status_code, response.json().get("orderId", "") if response.ok else ""


# ---------------------------------------------------------------- orders, read after the fact
def events(system: CheckoutSystem) -> int:
    """Order events published so far (one per finished order; nothing consumes them here)."""
    client = redis.Redis.from_url(system.redis_url)
    try:
        return int(client.llen(system.events_queue))
    finally:
        client.close()


def wait_for_events(system: CheckoutSystem, count: int, *, stalled_after: float = STALL_SECONDS) -> float | None:
    """Poll until `count` events were published; when (time.monotonic()), or None once none came for
    `stalled_after` s (orders stuck: without beat here, nothing would resume them)."""
    seen, moved_at = -1, time.monotonic()
    while True:
        now, published = time.monotonic(), events(system)
        if published >= count:
            return now
        if published != seen:
            seen, moved_at = published, now
        elif now - moved_at > stalled_after:
            say(f"no order finished for {stalled_after:.0f} s: {count - published} left unfinished")
            return None
        time.sleep(0.05)


def read_orders(system: CheckoutSystem, order_ids: list[str]) -> dict[str, dict[str, Any] | None]:
    def read(order_id: str) -> dict[str, Any] | None:
        response = system.order(order_id)
        return response.json() if response.ok else None
    with ThreadPoolExecutor(8) as pool:
        return dict(zip(order_ids, pool.map(read, order_ids), strict=True))


def finished_at(order: dict[str, Any]) -> float | None:
    """When the saga finished the order (time.time()), from its history."""
    for entry in order.get("history") or []:
        if entry["step"] == "publish_event" and entry["state"] in ("succeeded", "failed"):
            return datetime.datetime.fromisoformat(entry["at"].replace("Z", "+00:00")).timestamp()
    return None


def finishing_times(orders: dict[str, dict[str, Any] | None]) -> list[float]:
    return sorted(moment for order in orders.values() if order and order.get("completed")
                  for moment in [finished_at(order)] if moment)


def accepted_ids(run: Run) -> list[str]:
    return [answer.order_id for answer in run.ok if answer.order_id]


def keep_logs(system: CheckoutSystem, folder: Path) -> list[str]:
    """Write every process's output to `folder`; the workers' lines for steps that failed with an exception."""
    folder.mkdir(parents=True, exist_ok=True)
    named = [*system.processes.items(), *((f"worker-{n}", w) for n, w in enumerate(system.workers, 1))]
    for name, process in named:
        (folder / f"{name}.log").write_text("\n".join(process.output()) + "\n")
    return [line for worker in system.workers for line in worker.output() if STEP_ERROR in line]
