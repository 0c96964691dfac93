"""Driving a fault run: paced checkouts, watching every order to its end, workers killed, a Redis of one's own.

    placed = place_checkouts(system, 40, per_second=10, product="prosecco", key_prefix="kills")
    orders = watch_orders(system, placed.order_ids, timeout=120)      # polls until every order settled
    findings = audit(orders, ledger(system), stock_before=..., stock_after=system.stock("prosecco"))

Every wait polls; the only fixed pauses are the load's own rhythm (the pace of checkouts, the kill
cadence), never a stand-in for "by now it must have happened". The `timeout` of a watch is a guard against
a hang, not a bound: how long things took is measured from the orders' histories and reported (report.py).
"""

from __future__ import annotations

import datetime
import json
import math
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from chassis import devredis
from devstack.checkout import CheckoutSystem
from devstack.processes import ManagedProcess
from devstack.waiting import wait_until
from tests.extracted.checkout.conftest import order_body
from tests.extracted.checkout.faults.audit import Order, is_settled

PRODUCT = "prosecco"  # 18.00: under the sandbox's risk limit, so only the faults decide an order's fate
CLIENTS = 8
POLL_SECONDS = 0.25


# ---------------------------------------------------------------- placing checkouts
@dataclass
class Placed:
    """What the clients got: accepted order ids, refusals, and when the last acceptance came back."""

    order_ids: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    last_accepted_at: float = 0.0  # time.time()

    def accepted(self, order_id: str, at: float) -> None:
        self.order_ids.append(order_id)
        self.last_accepted_at = max(self.last_accepted_at, at)


def place_checkouts(system: CheckoutSystem, count: int, *, per_second: float, key_prefix: str,
                    product: str = PRODUCT, on_placed: Callable[[int], None] | None = None) -> Placed:
    """POST `count` checkouts, the i-th at i / `per_second` s from now, each with its own Idempotency-Key.

    `on_placed(n)` is called after each answer with how many have been answered so far.
    """
    placed, lock, start = Placed(), threading.Lock(), time.monotonic()
    answered = 0

    def one(number: int) -> None:
        nonlocal answered
        _pause_until(start + number / per_second)
        try:
            response = system.checkout(order_body(product), key=f"{key_prefix}-{number}")
            outcome = (response.status_code, response.json().get("orderId") if response.status_code == 202 else None)
        except (requests.RequestException, ValueError) as error:
            outcome = (0, repr(error))
        with lock:
            if outcome[0] == 202:
                placed.accepted(outcome[1], time.time())
            else:
                placed.refused.append(f"checkout {number}: {outcome}")
            answered += 1
            done = answered
        if on_placed is not None:
            on_placed(done)

    with ThreadPoolExecutor(CLIENTS) as clients:
        list(clients.map(one, range(count)))
    return placed


def _pause_until(moment: float) -> None:
    """The load's pace, not synchronisation: hold a request back until its slot in the schedule."""
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


# ---------------------------------------------------------------- watching orders
def watch_orders(system: CheckoutSystem, order_ids: Iterable[str], *, timeout: float,
                 until: Callable[[Order | None], bool] = is_settled) -> dict[str, Order | None]:
    """Every order's state once `until` holds for all of them (None for an order the checkout lost).

    Polls only the orders still moving; after `timeout` s returns what it has, so the audit names the
    stragglers instead of a bare timeout.
    """
    orders: dict[str, Order | None] = dict.fromkeys(order_ids)
    pending, deadline = set(orders), time.monotonic() + timeout
    with ThreadPoolExecutor(CLIENTS) as pool:
        while pending and time.monotonic() < deadline:
            asked = list(pending)
            for order_id, order in zip(asked, pool.map(lambda oid: _read(system, oid), asked), strict=True):
                orders[order_id] = order
                if order is None or until(order):
                    pending.discard(order_id)
            if pending:
                time.sleep(POLL_SECONDS)
    return orders


def _read(system: CheckoutSystem, order_id: str) -> Order | None:
    for _ in range(5):  # a read that fails (the web process busy) is read again; a 404 is final
        try:
            response = system.order(order_id)
        except requests.RequestException:
            continue
        if response.status_code == 404:
            return None
        if response.ok:
            return response.json()
    raise AssertionError(f"order {order_id} could not be read")


def finished_at(order: Order) -> float | None:
    """When the saga finished the order (time.time()), from its history: the end of its publish step."""
    return step_ended_at(order, "publish_event")


def step_ended_at(order: Order, step: str) -> float | None:
    """When `step` first succeeded or failed for good (time.time()), from the order's history."""
    for entry in order.get("history") or []:
        if entry["step"] == step and entry["state"] in ("succeeded", "failed"):
            return datetime.datetime.fromisoformat(entry["at"].replace("Z", "+00:00")).timestamp()
    return None


def finishing_times(orders: dict[str, Order | None]) -> list[float]:
    """When each finished order finished (time.time()), earliest first."""
    return sorted(moment for order in orders.values() if order for moment in [finished_at(order)] if moment)


def seconds_to_last_finish(orders: dict[str, Order | None], moment: float) -> float:
    """From `moment` (time.time()) to when the last finished order finished; math.inf when none did."""
    finished = finishing_times(orders)
    return finished[-1] - moment if finished else math.inf


def ledger(system: CheckoutSystem) -> list[dict[str, Any]]:
    """The card processor's whole ledger."""
    return system.card_processor.ledger()


def log_count(processes: Iterable[ManagedProcess], message_start: str) -> int:
    """How many JSON lines of `processes` have a message starting with `message_start`."""
    count = 0
    for process in processes:
        for line in process.output():
            try:
                record = json.loads(line)
            except ValueError:  # a line cut short by SIGKILL
                continue
            count += str(record.get("message", "")).startswith(message_start)
    return count


# ---------------------------------------------------------------- workers
def kill_worker(worker: ManagedProcess) -> None:
    """SIGKILL the worker's whole process group (no warm shutdown, no restore of its messages)."""
    try:
        os.killpg(worker.popen.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    worker.popen.wait(timeout=10)


# ---------------------------------------------------------------- a Redis of the test's own
class OwnRedis:
    """A loopback redis-server without persistence on `port`, which the test may kill and start again.

    Every start's log goes to `log_path` (when given), after the previous one's.
    """

    def __init__(self, port: int, workdir: Path, *, log_path: Path | None = None) -> None:
        self.port, self.workdir, self.log_path = port, workdir, log_path
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[str] | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        self.process = devredis.start(self.port, str(self.workdir))
        threading.Thread(target=_drain, args=(self.process, self.log_path), daemon=True).start()
        wait_until(lambda: devredis.answers(self.url), timeout=10, what=f"redis-server on port {self.port}")

    def kill(self) -> None:
        """SIGKILL the server: everything it held (queues, unacknowledged messages, bindings) is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        wait_until(lambda: not devredis.answers(self.url), timeout=10, what="redis-server to stop answering")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _drain(process: subprocess.Popen[str], log_path: Path | None) -> None:
    # Reading the server's log keeps a full pipe from ever blocking the server; kept, it dates the restart.
    assert process.stdout is not None
    if log_path is None:
        for _line in process.stdout:
            pass
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a", buffering=1, encoding="utf-8") as log:
        for line in process.stdout:
            log.write(line)
