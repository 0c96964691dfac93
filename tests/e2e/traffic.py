"""Clients of a running system for the disposability tests: a shopper, and paced traffic in threads.

Every request's outcome is recorded, never raised: a test reads afterwards what each client saw. An
outcome is an error when the client got no HTTP answer, or a 5xx; a request refused at connect time
(nothing listening any more) is recorded as such, apart from the errors.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
import redis
import requests

from tests.e2e.system import ReleasedSystem
from tests.support.processes import ManagedProcess, process_env

TERMINAL = {"confirmed", "out_of_stock", "payment_declined", "failed_after_retries", "failed"}


@dataclass
class Outcome:
    """What one request got: its HTTP status, or the error that stood in for an answer."""

    name: str
    started: float
    ended: float
    status: int | None = None
    error: str | None = None
    refused: bool = False  # the connection was refused: the request never reached a server
    body: Any = None
    answered_at: str = field(default_factory=lambda: datetime.datetime.now(datetime.UTC).strftime("%H:%M:%S.%f"))

    @property
    def failed(self) -> bool:
        return not self.refused and (self.status is None or self.status >= 500)


def call(session: requests.Session, name: str, method: str, url: str, **kwargs: Any) -> Outcome:
    started = time.monotonic()
    try:
        response = session.request(method, url, timeout=kwargs.pop("timeout", 30), **kwargs)
    except requests.ConnectionError as error:
        refused = isinstance(_root(error), ConnectionRefusedError)
        return Outcome(name, started, time.monotonic(), error=repr(_root(error)), refused=refused)
    except requests.RequestException as error:
        return Outcome(name, started, time.monotonic(), error=repr(error))
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
    return Outcome(name, started, time.monotonic(), status=response.status_code, body=body)


def _root(error: BaseException) -> BaseException:
    while error.__cause__ is not None or error.__context__ is not None:
        error = error.__cause__ or error.__context__  # type: ignore[assignment]  # the loop checks it is set
    return error


@dataclass
class Shopper:
    """A signed-up customer of the system at `base_url`."""

    base_url: str
    token: str
    product_id: str
    checkouts: dict[str, Outcome] = field(default_factory=dict)  # by Idempotency-Key, the last answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def session(self) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {self.token}"
        return session

    def check_out(self, session: requests.Session, key: str | None = None) -> Outcome:
        """POST /v1/checkout with an Idempotency-Key (a new one unless given, as a client retrying sends)."""
        key = key or uuid.uuid4().hex
        tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
        outcome = call(session, "checkout", "POST", f"{self.base_url}/v1/checkout", headers={"Idempotency-Key": key},
                       json={"productId": self.product_id, "deliveryAddress": "1 Cocoa Lane", "deliveryDate": tomorrow})
        with self.lock:
            self.checkouts[key] = outcome
        return outcome

    def accepted(self) -> dict[str, str]:
        """Order id by Idempotency-Key, for every checkout answered 202."""
        with self.lock:
            return {key: outcome.body["orderId"] for key, outcome in self.checkouts.items() if outcome.status == 202}

    def unanswered(self) -> list[str]:
        """The keys of checkouts that got no 202: what a client sends again, with the same key."""
        with self.lock:
            return [key for key, outcome in self.checkouts.items() if outcome.status != 202]


def sign_up(released: ReleasedSystem, *, stock: int = 100_000) -> Shopper:
    """A new customer, and a product under the card processor's risk limit with `stock` units on the shelf."""
    name = f"shopper-{uuid.uuid4().hex[:8]}"
    response = requests.post(f"{released.base_url}/v1/auth/signup", timeout=30,
                             json={"username": name, "email": f"{name}@example.com", "password": "a-long-passphrase"})
    assert response.status_code == 201, response.text
    products = requests.get(f"{released.base_url}/v1/products", params={"maxPriceCents": 5000}, timeout=30).json()
    product_id = products["products"][0]["id"]
    _set_stock(released, product_id, stock)
    return Shopper(released.base_url, response.json()["token"], product_id)


def _set_stock(released: ReleasedSystem, product_id: str, units: int) -> None:
    """Through the monolith's own manage.py, with the system's environment (honcho run)."""
    code = ("from monolith.catalog.models import Product; "
            f"Product.objects.filter(pk={product_id!r}).update(stock={units})")
    shell = ManagedProcess(released.honcho("run", "python", "-m", "monolith.manage", "shell", "-c", code), process_env())
    assert shell.finish(timeout=60) == 0, "\n".join(shell.output())


@dataclass
class Traffic:
    """Requests sent by a few threads at a steady overall pace until stopped; every outcome kept."""

    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    under_way: dict[int, float] = field(default_factory=dict)  # thread -> when its current request began

    def begin(self, thread: int) -> None:
        with self.lock:
            self.under_way[thread] = time.monotonic()

    def in_flight(self, *, for_at_least: float) -> int:
        """Requests sent at least this many seconds ago and not answered yet."""
        now = time.monotonic()
        with self.lock:
            return sum(now - began >= for_at_least for began in self.under_way.values())

    def record(self, thread: int, outcome: Outcome) -> None:
        with self.lock:
            self.under_way.pop(thread, None)
            self.outcomes.append(outcome)

    def snapshot(self) -> list[Outcome]:
        with self.lock:
            return list(self.outcomes)

    def failures(self) -> list[Outcome]:
        return [outcome for outcome in self.snapshot() if outcome.failed]


@contextmanager
def paced(requests_per_second: float, send: Callable[[requests.Session, int], Outcome], *,
          threads: int = 8, limit_seconds: float = 600,
          session: Callable[[], requests.Session] = requests.Session) -> Iterator[Traffic]:
    """Call `send(session, n)` at `requests_per_second` overall from `threads` threads (each with its own
    keep-alive `session()`) for the block; the loops also end by themselves after `limit_seconds`."""
    traffic = Traffic()
    interval = threads / requests_per_second
    started = time.monotonic()

    def loop(offset: int) -> None:
        client, n = session(), offset
        next_at = started + offset * interval / threads
        while not traffic.stopping.is_set() and time.monotonic() - started < limit_seconds:
            pause = next_at - time.monotonic()
            if pause > 0 and traffic.stopping.wait(pause):  # the pace of the load, not a wait for a condition
                break
            traffic.begin(offset)
            traffic.record(offset, send(client, n))
            next_at += interval
            n += threads
        client.close()

    workers = [threading.Thread(target=loop, args=(offset,), daemon=True) for offset in range(threads)]
    for worker in workers:
        worker.start()
    try:
        yield traffic
    finally:
        traffic.stopping.set()
        for worker in workers:
            worker.join(timeout=60)


def orders_in_database(database_url: str) -> dict[str, tuple[str, str]]:
    """(status, step) of every order, by id, read from the checkout's own database."""
    query = "SELECT id, status, step FROM checkout_order"
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            rows = connection.execute(query).fetchall()
    else:
        with psycopg.connect(database_url) as connection:
            rows = connection.execute(query).fetchall()
    return {str(uuid.UUID(str(order_id))): (status, step) for order_id, status, step in rows}


def ledger(card_processor_url: str) -> list[dict[str, Any]]:
    """Every entry of the card processor's ledger, in order."""
    response = requests.get(f"{card_processor_url}/_sandbox/ledger", timeout=30)
    response.raise_for_status()
    return response.json()["entries"]


def charged_twice(entries: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Orders with more than one authorisation or capture in the ledger: kinds in order, by order id."""
    kinds: dict[str, list[str]] = {}
    for entry in entries:
        kinds.setdefault(entry["metadata"].get("order_id", "?"), []).append(entry["kind"])
    return {order: found for order, found in kinds.items()
            if found.count("authorize") > 1 or found.count("capture") > 1 or found.count("charge") > 1}


def unacknowledged(redis_url: str, queue: str) -> int:
    """Messages of `queue` a worker took and has not acknowledged (kombu's Redis transport keeps them in
    the `unacked` hash until the visibility timeout, unless the worker hands them back)."""
    client = redis.Redis.from_url(redis_url)
    try:
        entries = client.hvals("unacked")
    finally:
        client.close()
    return sum(1 for entry in entries if json.loads(entry)[-1] == queue)


def assert_every_checkout_done(released: ReleasedSystem, shopper: Shopper) -> None:
    """The shopper sends again, with the same key, every checkout that got no 202; then every order is
    read back from the checkout's database: each answered, each finished, none charged twice."""
    session = shopper.session()
    for key in shopper.unanswered():
        assert shopper.check_out(session, key).status == 202
    accepted = shopper.accepted()
    database = released.settings()["CHECKOUT_DATABASE_URL"]

    orders = _until_completed(database)
    assert set(orders) == {str(uuid.UUID(order_id)) for order_id in accepted.values()}  # one per key, none untold
    assert {status for status, _ in orders.values()} == {"confirmed"}
    entries = ledger(released.card_processor_url)
    assert charged_twice(entries) == {}
    captured = {str(uuid.UUID(entry["metadata"]["order_id"])) for entry in entries if entry["kind"] == "capture"}
    assert captured == set(orders)


def _until_completed(database: str, *, stall_seconds: float = 90) -> dict[str, tuple[str, str]]:
    """Every order once each has completed; polls, failing only when no order completed for `stall_seconds`
    (a long run leaves the workers a backlog that takes its time, but never stops shrinking)."""
    left: int | None = None
    while True:
        orders = orders_in_database(database)
        waiting = sum(step != "completed" for _, step in orders.values())
        if not waiting:
            return orders
        if left is None or waiting < left:
            left, deadline = waiting, time.monotonic() + stall_seconds
        assert time.monotonic() < deadline, f"{waiting} orders made no progress for {stall_seconds} s"
        time.sleep(0.5)  # the polling interval
