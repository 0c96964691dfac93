"""Real processes for the notifications worker's tests.

SNS is moto in server mode inside the test process (so the test can read what SNS received), the
monolith is gunicorn on a throwaway database (it answers the phone-number lookups), and each test starts
its own Celery worker on a queue of its own, on the test Redis, against the service's throwaway database.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import psycopg
import pytest
import requests
from celery import Celery
from moto.core import DEFAULT_ACCOUNT_ID
from moto.server import ThreadedMotoServer
from moto.sns.models import sns_backends

from chassis.celery_app import make_celery
from order_contract.events import NOTIFICATIONS_TASK, ORDER_CONFIRMED, OrderEvent, publish
from order_contract.numbers import order_number
from tests.support.databases import throwaway_database_url
from tests.support.processes import ManagedProcess, process_env
from tests.support.waiting import free_port, wait_until

REGION = "us-east-1"
SIGNING_KEYS = "notifications-tests-" + secrets.token_urlsafe(40)
# The Procfile's command, but for the queue: each test's worker consumes a queue of its own.
WORKER = ["celery", "--quiet", "-A", "extracted.notifications.celery_app", "worker", "--concurrency", "2",
          "--without-gossip", "--without-mingle"]
GUNICORN = ["gunicorn", "-c", "python:chassis.gunicorn_conf", "monolith.concierge.wsgi"]



@lru_cache(maxsize=1)
def publisher() -> Celery:
    """The test's stand-in for the checkout: a chassis Celery app on the same broker as the worker."""
    return make_celery("notifications-tests", broker_url=os.environ["REDIS_URL"], service="tests")


# ---------------------------------------------------------------------------------------------- SNS
def sns_server(port: int) -> ThreadedMotoServer:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server


def texts_about(order_id: str) -> list[tuple[str, str]]:
    """(phone, text) of every SMS SNS received that names the order."""
    received = sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values()
    return [(phone, text) for phone, text in received if order_number(order_id) in text]


@pytest.fixture(scope="module")
def sns() -> Iterator[str]:
    port = free_port()
    server = sns_server(port)
    yield f"http://127.0.0.1:{port}"
    server.stop()


# ---------------------------------------------------------------------------------------------- monolith
@dataclass(frozen=True)
class Customer:
    user_id: str
    email: str
    phone: str


@dataclass(frozen=True)
class Monolith:
    url: str
    database_url: str

    def signup(self, *, phone: str = "") -> Customer:
        username = f"cust-{uuid.uuid4().hex[:10]}"
        email = f"{username}@example.com"
        response = requests.post(f"{self.url}/v1/auth/signup", timeout=10, json={
            "username": username, "email": email, "password": "correct-horse-battery", "phone": phone})
        assert response.status_code == 201, response.text
        return Customer(_user_id(self.database_url, username), email, phone)


def _user_id(database_url: str, username: str) -> str:
    """The new user's id, read from the monolith's database (the sign-up answer does not carry it)."""
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            row = connection.execute("SELECT id FROM auth_user WHERE username = ?", (username,)).fetchone()
    else:
        with psycopg.connect(database_url) as connection:
            row = connection.execute("SELECT id FROM auth_user WHERE username = %s", (username,)).fetchone()
    return str(row[0])


def start_monolith(database_url: str, port: int) -> ManagedProcess:
    env = process_env(PORT=str(port), WEB_CONCURRENCY="1", SERVICE_NAME="monolith", DATABASE_URL=database_url,
                      IDENTITY_SIGNING_KEYS=SIGNING_KEYS)
    process = ManagedProcess(GUNICORN, env)
    process.wait_for_http(f"http://127.0.0.1:{port}/healthz", timeout=60)
    return process


@pytest.fixture(scope="module")
def monolith(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Monolith]:
    with throwaway_database_url(tmp_path_factory.mktemp("monolith")) as database_url:
        release = ManagedProcess(["python", "-m", "monolith.manage", "release"], process_env(DATABASE_URL=database_url))
        assert release.finish(timeout=120) == 0, "\n".join(release.output())
        port = free_port()
        process = start_monolith(database_url, port)
        try:
            yield Monolith(f"http://127.0.0.1:{port}", database_url)
        finally:
            process.stop()


# ---------------------------------------------------------------------------------------------- worker
@pytest.fixture(scope="module")
def notifications_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service's own database, migrated by its release phase."""
    with throwaway_database_url(tmp_path_factory.mktemp("notifications")) as database_url:
        release = ManagedProcess(["python", "-m", "extracted.notifications.manage", "release"],
                                 process_env(DATABASE_URL=database_url, SERVICE_NAME="notifications"))
        assert release.finish(timeout=120) == 0, "\n".join(release.output())
        yield database_url


class Worker:
    """A running notifications worker and the queue it consumes."""

    def __init__(self, env: dict[str, str]) -> None:
        self.queue = f"notifications-{uuid.uuid4().hex}"
        self.process = ManagedProcess([*WORKER, "--queues", self.queue], env)

    def publish(self, event: OrderEvent) -> None:
        publish(publisher(), event, queue=self.queue)

    def send_raw(self, message: Any) -> None:
        """A message a broken publisher might send, bypassing the contract."""
        publisher().send_task(NOTIFICATIONS_TASK, args=[message], queue=self.queue)

    def logged(self, message: str, **fields: Any) -> list[dict]:
        """The JSON lines with this message and these fields (fails on any line that is not JSON)."""
        return [line for line in self.process.json_lines()
                if line["message"] == message and all(line.get(key) == value for key, value in fields.items())]

    def emails_about(self, order_id: str) -> list[dict]:
        return [line for line in self.logged("email sent")
                if order_number(order_id) in line["email_subject"]]

    def wait_for(self, what: str, condition: Callable[[], Any], *, timeout: float = 60) -> Any:
        def done() -> Any:
            if self.process.popen.poll() is not None:
                raise AssertionError("worker exited:\n" + "\n".join(self.process.output()))
            return condition()

        try:
            return wait_until(done, timeout=timeout, what=what)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}; worker output:\n"
                                 + "\n".join(self.process.output())) from None

    def wait_until_done_with(self, event: OrderEvent, *, times: int = 1, timeout: float = 60) -> None:
        """Until the worker finished handling `event` `times` times (first or duplicate)."""
        def finished() -> bool:
            handled = self.logged("order event handled", event_id=event.event_id)
            ignored = self.logged("duplicate order event ignored", event_id=event.event_id)
            return len(handled) + len(ignored) >= times

        self.wait_for(f"{event.event_id} handled {times}x", finished, timeout=timeout)


def worker_env(database_url: str, sns_endpoint: str, monolith_url: str, **overrides: str | None) -> dict[str, str]:
    env = process_env(
        DATABASE_URL=database_url, SERVICE_NAME="notifications", SMS_VIA_SNS="true", MONOLITH_URL=monolith_url,
        IDENTITY_SIGNING_KEYS=SIGNING_KEYS, AWS_ENDPOINT_URL_SNS=sns_endpoint, AWS_DEFAULT_REGION=REGION,
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@pytest.fixture
def start_worker(notifications_database: str, sns: str, monolith: Monolith) -> Iterator[Callable[..., Worker]]:
    """Start a worker (environment overrides as keywords; None unsets) and wait until it is ready."""
    started: list[Worker] = []

    def start(**overrides: str | None) -> Worker:
        worker = Worker(worker_env(notifications_database, sns, monolith.url, **overrides))
        started.append(worker)
        worker.wait_for("the worker to be ready", lambda: any(" ready." in line for line in worker.process.output()))
        return worker

    yield start
    for worker in started:
        worker.process.stop()


def order_event(customer: Customer, *, type: str = ORDER_CONFIRMED, reason: str | None = None) -> OrderEvent:
    """A new order's event, as the checkout would publish it."""
    return OrderEvent.for_order(type=type, order_id=str(uuid.uuid4()), user_id=customer.user_id,
                                email=customer.email, product_name="A dozen red roses", amount_cents=4900,
                                currency="usd", delivery_address="221B Baker Street", delivery_date="2026-12-24",
                                reason=reason)


@pytest.fixture(scope="module")
def customer(monolith: Monolith) -> Customer:
    return monolith.signup(phone="+15557654321")
