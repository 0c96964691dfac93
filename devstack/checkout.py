"""The checkout service as real processes, for its system tests, the fault tests and the checkout benchmark.

    with running_checkout(tmp_path, card_processor_env={"CARD_SANDBOX_LATENCY_MS": "50"},
                          saga_env={"SAGA_MAX_ATTEMPTS": "3"}, workers=2) as system:
        accepted = system.checkout({"productId": "prosecco", ...}, key="k-1")
        order = system.wait_for_order(accepted.json()["orderId"])      # polls until the saga completed
        system.kinds(order["orderId"])                                 # ["authorize", "capture"]

Started, all on free ports: the card-processor sandbox; the monolith (migrated, demo catalogue loaded,
under gunicorn) as the catalogue; the checkout's release phase, its gunicorn web process and `workers`
Celery workers (threads pool), each with a throwaway database (PostgreSQL when DATABASE_URL names one).
Every run has its own queues on the Redis REDIS_URL names (or on the one at `redis_url`, for a run that
owns one), so runs never see each other's messages. Identity headers are signed with `KEYS`, as the
proxy would sign them. The card processor can be stopped and started again on the same port and ledger
(`stop_card_processor`, `start_card_processor`), as an outage of the real one would look.
Every process's output is also kept in `tmp_path/logs/<process>.log` (worker-1.log, beat.log, ...), for
a failure to show (`devstack.processes.log_tails`).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
import requests
from celery import Celery

from chassis.identity import INTERNAL_HEADER, Identity, sign, sign_internal
from devstack.card_processor import GUNICORN, Sandbox, running_card_processor, sandbox_env
from devstack.databases import throwaway_database_url
from devstack.processes import ROOT, ManagedProcess, process_env
from devstack.waiting import free_port, wait_until

KEYS = ["checkout-tests-signing-key"]
ADA = Identity(user_id="101", username="ada", email="ada@example.com")
PYTHON = sys.executable
# Fast enough for a test run, slow enough to watch: 0.2 s, 0.4 s, ... never more than 2 s between tries.
FAST_SAGA = {"SAGA_MAX_ATTEMPTS": "4", "SAGA_BACKOFF_BASE_SECONDS": "0.2", "SAGA_BACKOFF_MAX_SECONDS": "2",
             "SAGA_STUCK_AFTER_SECONDS": "30"}


@dataclass
class CheckoutSystem:
    """A running checkout and its collaborators, with helpers to drive and inspect them."""

    checkout_url: str
    monolith_url: str
    card_processor: Sandbox
    redis_url: str
    queue: str
    events_queue: str
    env: dict[str, str]
    monolith_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, ManagedProcess] = field(default_factory=dict)
    workers: list[ManagedProcess] = field(default_factory=list)
    card_processor_env: dict[str, str] = field(default_factory=dict)
    logs: Path | None = None  # where each process's output is kept, one file each

    # ------------------------------------------------------------ the public API, as a client
    def headers(self, identity: Identity = ADA, *, key: str | None = None) -> dict[str, str]:
        headers = {"X-Strangler-Identity": sign(identity, keys=KEYS)}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def checkout(self, body: Any, *, identity: Identity | None = ADA, key: str | None = None,
                 data: bytes | None = None) -> requests.Response:
        """POST /v1/checkout as `identity` (None: anonymous), with `body` as JSON or `data` as raw bytes."""
        headers = self.headers(identity, key=key) if identity else ({"Idempotency-Key": key} if key else {})
        if data is not None:
            headers["Content-Type"] = "application/json"
            return requests.post(f"{self.checkout_url}/v1/checkout", data=data, headers=headers, timeout=10)
        return requests.post(f"{self.checkout_url}/v1/checkout", json=body, headers=headers, timeout=10)

    def order(self, order_id: str, *, identity: Identity | None = ADA) -> requests.Response:
        headers = self.headers(identity) if identity else {}
        return requests.get(f"{self.checkout_url}/v1/orders/{order_id}", headers=headers, timeout=10)

    def order_ids(self, identity: Identity = ADA) -> list[str]:
        """The ids of the user's orders, newest first."""
        response = requests.get(f"{self.checkout_url}/v1/orders", headers=self.headers(identity), timeout=10)
        response.raise_for_status()
        return [order["orderId"] for order in response.json()["orders"]]

    def wait_for_order(self, order_id: str, *, identity: Identity = ADA, timeout: float = 60) -> dict[str, Any]:
        """The order once its saga has completed (terminal status, every step done); polls, never sleeps."""
        def completed() -> dict[str, Any] | None:
            body = self.order(order_id, identity=identity).json()
            return body if body.get("completed") else None
        return wait_until(completed, timeout=timeout, what=f"order {order_id} to complete", interval=0.1)

    # ------------------------------------------------------------ the collaborators' state
    def ledger(self, order_id: str) -> list[dict[str, Any]]:
        return self.card_processor.ledger(order_id=order_id)

    def kinds(self, order_id: str) -> list[str]:
        return self.card_processor.kinds(order_id=order_id)

    def stock(self, product_id: str) -> int:
        response = requests.get(f"{self.monolith_url}/v1/products/{product_id}", timeout=10)
        response.raise_for_status()
        return response.json()["stock"]

    def hold_stock(self, product_id: str, quantity: int) -> str:
        """Take `quantity` units through the monolith's internal API, as another order would; the id."""
        reservation_id = f"test-{uuid.uuid4().hex}"
        response = requests.put(f"{self.monolith_url}/internal/catalog/reservations/{reservation_id}",
                                json={"productId": product_id, "quantity": quantity},
                                headers={INTERNAL_HEADER: sign_internal(keys=KEYS)}, timeout=10)
        assert response.status_code == 201, response.text
        return reservation_id

    def drain_stock(self, product_id: str) -> None:
        """Leave no unit of the product on the shelf."""
        left = self.stock(product_id)
        if left:
            self.hold_stock(product_id, left)

    def set_stock(self, product_id: str, units: int) -> None:
        """Put exactly `units` of the product on the shelf (through the monolith's own manage.py)."""
        code = ("from monolith.catalog.models import Product; "
                f"Product.objects.filter(pk={product_id!r}).update(stock={units})")
        _release([PYTHON, "-m", "monolith.manage", "shell", "-c", code], self.monolith_env)

    def published_events(self) -> list[dict[str, Any]]:
        """Order events the checkout published (no consumer runs here, so they wait in Redis)."""
        client = redis.Redis.from_url(self.redis_url)
        try:
            messages = client.lrange(self.events_queue, 0, -1)
        finally:
            client.close()
        return [_event(message) for message in reversed(messages)]

    # ------------------------------------------------------------ the card processor's outages
    def stop_card_processor(self) -> None:
        """Stop the card processor: every call is refused until `start_card_processor`."""
        self.card_processor.stop()

    def start_card_processor(self, **overrides: str) -> Sandbox:
        """The card processor again, on the same port and ledger, with `overrides` over its first settings."""
        self.stop_card_processor()
        tmp_dir = self.card_processor.stdout_path.parent
        port = int(self.card_processor.base_url.rsplit(":", 1)[1])
        env = sandbox_env(tmp_dir, port, {**self.card_processor_env, **overrides})
        starts = len(list(tmp_dir.glob("stdout*.log")))
        stdout_path, stderr_path = tmp_dir / f"stdout-{starts + 1}.log", tmp_dir / f"stderr-{starts + 1}.log"
        with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
            process = subprocess.Popen(GUNICORN, env=env, cwd=ROOT, stdout=stdout, stderr=stderr)
        self.card_processor = Sandbox(self.card_processor.base_url, process, stdout_path, stderr_path)
        wait_until(lambda: _sandbox_answers(self.card_processor), timeout=30,
                   what=f"the card processor back at {self.card_processor.base_url}", interval=0.1)
        return self.card_processor

    # ------------------------------------------------------------ the processes
    def send_step(self, step: str, order_id: str) -> None:
        """Send `checkout.saga.<step>` for the order by name, as a redelivery would."""
        self._send_task(f"checkout.saga.{step}", [order_id])

    def start_worker(self, *, concurrency: int = 8, pool: str = "threads", wait: bool = True,
                     **env: str) -> ManagedProcess:
        """Another worker on the checkout's queue; with `wait`, once it is consuming (and handles SIGTERM)."""
        number = len(self.workers) + 1
        worker = ManagedProcess(["celery", "--quiet", "-A", "extracted.checkout.celery_app", "worker", "--pool", pool,
                                 "--concurrency", str(concurrency), "--hostname", f"checkout-{number}@%h",
                                 "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
                                {**self.env, **env}, log_path=self.log_path(f"worker-{number}"))
        self.workers.append(worker)
        if wait:
            wait_until_ready(worker)
        return worker

    def start_beat(self, **env: str) -> ManagedProcess:
        command = ["celery", "--quiet", "-A", "extracted.checkout.celery_app", "beat", "--loglevel", "INFO"]
        beat = ManagedProcess(command, {**self.env, **env}, log_path=self.log_path("beat"))
        self.processes["beat"] = beat
        return beat

    def send_job(self, name: str, *args: str) -> None:
        """Send `checkout.jobs.<name>` by name, as beat would."""
        self._send_task(f"checkout.jobs.{name}", list(args))

    def forget_queued_messages(self) -> int:
        """Drop every message waiting in the checkout's queue, as a broker that lost them would."""
        client = redis.Redis.from_url(self.redis_url)
        try:
            return int(client.delete(self.queue))
        finally:
            client.close()

    def _send_task(self, name: str, args: list[str]) -> None:
        app = Celery("checkout-tests", broker=self.redis_url)
        try:
            app.send_task(name, args=args, queue=self.queue)
        finally:
            app.close()

    def log_lines(self) -> list[dict[str, Any]]:
        """Every JSON line the checkout's web process and workers printed."""
        return [line for process in [self.processes["checkout"], *self.workers] for line in process.json_lines()]

    def log_path(self, process: str) -> Path | None:
        return self.logs / f"{process}.log" if self.logs else None

    def stop(self) -> None:
        for process in [*self.workers, *self.processes.values()]:
            process.stop(timeout=30)


@contextmanager
def running_checkout(tmp_path: Path, *, card_processor_env: dict[str, str] | None = None,
                     saga_env: dict[str, str] | None = None, workers: int = 1, worker_concurrency: int = 8,
                     monolith_env: dict[str, str] | None = None, redis_url: str | None = None,
                     broker_env: dict[str, str] | None = None) -> Iterator[CheckoutSystem]:
    """The checkout, its workers, the monolith and the card processor, all up for the block.

    `redis_url`: the Redis every process uses (broker and REDIS_URL); by default the one REDIS_URL names here.
    `broker_env`: another broker for the checkout's processes (CELERY_BROKER_URL and, for SQS, the AWS_*
    variables); the helpers that read or send messages here (`published_events`, `send_step`, ...) speak
    to Redis only.
    """
    with ExitStack() as stack:
        sandbox = stack.enter_context(running_card_processor(tmp_path / "card-processor",
                                                             **(card_processor_env or {})))
        monolith_db = stack.enter_context(throwaway_database_url(_folder(tmp_path / "monolith")))
        checkout_db = stack.enter_context(throwaway_database_url(_folder(tmp_path / "checkout")))
        system = _system(sandbox, monolith_db, checkout_db, {**FAST_SAGA, **(saga_env or {})}, redis_url,
                         broker_env or {})
        system.card_processor_env = dict(card_processor_env or {})
        system.logs = tmp_path / "logs"
        stack.callback(lambda: system.card_processor.stop())  # the one running now, if it was restarted
        stack.callback(_forget_queues, system)
        stack.callback(system.stop)
        _start_monolith(system, monolith_env or {})
        _start_checkout(system, workers, worker_concurrency)
        yield system


def _system(sandbox: Sandbox, monolith_db: str, checkout_db: str, saga_env: dict[str, str],
            redis_url: str | None = None, broker_env: dict[str, str] | None = None) -> CheckoutSystem:
    monolith_port, checkout_port, run = free_port(), free_port(), uuid.uuid4().hex[:10]
    redis_url = redis_url or process_env()["REDIS_URL"]
    env = _common_env(redis_url, sandbox.base_url) | saga_env | {
        "SERVICE_NAME": "checkout", "PORT": str(checkout_port), "DATABASE_URL": checkout_db,
        "CATALOG_URL": f"http://127.0.0.1:{monolith_port}", "CHECKOUT_QUEUE": f"checkout-{run}",
        "ORDER_EVENTS_QUEUE": f"order-events-{run}", "CELERY_BROKER_URL": redis_url} | (broker_env or {})
    system = CheckoutSystem(f"http://127.0.0.1:{checkout_port}", f"http://127.0.0.1:{monolith_port}", sandbox,
                            redis_url, env["CHECKOUT_QUEUE"], env["ORDER_EVENTS_QUEUE"], env)
    system.monolith_env = _common_env(redis_url, sandbox.base_url) | {
        "SERVICE_NAME": "monolith", "PORT": str(monolith_port), "DATABASE_URL": monolith_db}
    return system


def _common_env(redis_url: str, card_processor_url: str) -> dict[str, str]:
    return process_env(ENVIRONMENT="development", SECRET_KEY="insecure-local-only-checkout-tests",
                       READ_DOT_ENV="false", REDIS_URL=redis_url, CARD_PROCESSOR_URL=card_processor_url,
                       IDENTITY_SIGNING_KEYS=",".join(KEYS), BIND_HOST="127.0.0.1", WEB_CONCURRENCY="1",
                       GUNICORN_THREADS="8", LOG_LEVEL="INFO")


def wait_until_ready(worker: ManagedProcess, *, timeout: float = 60) -> None:
    """Until the worker says it is ready: consuming, with its signal handlers (warm shutdown) in place."""
    def ready() -> bool:
        if worker.popen.poll() is not None:
            raise AssertionError("the worker exited early:\n" + "\n".join(worker.output()))
        return any(_says_ready(line) for line in worker.output())
    wait_until(ready, timeout=timeout, what="the worker to be ready", interval=0.1)


def _says_ready(line: str) -> bool:
    try:
        record = json.loads(line)
    except ValueError:
        return False
    return record.get("logger") == "celery.apps.worker" and str(record.get("message", "")).endswith(" ready.")


def _start_monolith(system: CheckoutSystem, overrides: dict[str, str]) -> None:
    env = system.monolith_env | overrides
    _release([PYTHON, "-m", "monolith.manage", "release"], env)
    web = ManagedProcess([PYTHON, "-m", "gunicorn", "-c", "python:chassis.gunicorn_conf", "monolith.concierge.wsgi"],
                         env, log_path=system.log_path("monolith"))
    system.processes["monolith"] = web
    web.wait_for_http(f"{system.monolith_url}/readyz", timeout=60)


def _start_checkout(system: CheckoutSystem, workers: int, concurrency: int) -> None:
    _release([PYTHON, "-m", "extracted.checkout.manage", "release"], system.env)
    web = ManagedProcess([PYTHON, "-m", "gunicorn", "-c", "python:chassis.gunicorn_conf", "extracted.checkout.wsgi"],
                         system.env, log_path=system.log_path("checkout"))
    system.processes["checkout"] = web
    for _ in range(workers):
        system.start_worker(concurrency=concurrency)
    web.wait_for_http(f"{system.checkout_url}/readyz", timeout=60)


def _release(command: list[str], env: dict[str, str]) -> None:
    release = ManagedProcess(command, env)
    assert release.finish(timeout=120) == 0, "\n".join(release.output())


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _forget_queues(system: CheckoutSystem) -> None:
    client = redis.Redis.from_url(system.redis_url)
    try:
        client.delete(system.queue, system.events_queue, f"_kombu.binding.{system.queue}",
                      f"_kombu.binding.{system.events_queue}")
    finally:
        client.close()


def _sandbox_answers(sandbox: Sandbox) -> bool:
    if sandbox.process.poll() is not None:
        raise AssertionError(f"the card processor exited with {sandbox.process.returncode}:\n"
                             f"{sandbox.stdout_path.read_text()}\n{sandbox.stderr_path.read_text()}")
    return requests.get(f"{sandbox.base_url}/_sandbox/healthz", timeout=1).status_code == 200


def _event(message: bytes | str) -> dict[str, Any]:
    envelope = json.loads(message)
    args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
    return args[0]
