"""The checkout benchmark's clients: N closed-loop clients, or requests paced to a schedule, each timed.

    closed_loop(send, clients=16, requests=400)     every client sends its next request when its last answered
    paced(send, count=1000, seconds=10)             request i leaves at i x seconds / count (open loop)

`send()` makes one request and returns its status; a request that raises counts as status 0. The pure
parts (percentiles, the schedule, lateness) are tested in tests/benchmarks/test_checkout_benchmark_parts.py.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

Send = Callable[[int], tuple[int, str]]  # request number -> (status, order id or "")


@dataclass(frozen=True)
class Answer:
    number: int
    status: int
    order_id: str
    sent_at: float      # time.monotonic() when the request left
    seconds: float      # how long it took to answer
    late: float = 0.0   # paced only: how far behind its slot it left


@dataclass
class Run:
    """Every answer of one load run, and the run's wall time."""

    answers: list[Answer] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> list[Answer]:
        return [answer for answer in self.answers if 200 <= answer.status < 300]

    @property
    def errors(self) -> int:
        return len(self.answers) - len(self.ok)

    def latencies_ms(self) -> list[float]:
        return [answer.seconds * 1000 for answer in self.ok]


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (0 < fraction <= 1): the smallest value with `fraction` of values at or below."""
    if not values:
        raise ValueError("no values")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction {fraction} is not in (0, 1]")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def schedule(count: int, seconds: float) -> list[float]:
    """When each of `count` requests leaves, in seconds from the start, evenly spread over `seconds`."""
    if count <= 0:
        return []
    step = seconds / count
    return [number * step for number in range(count)]


def _timed(send: Send, number: int, late: float = 0.0) -> Answer:
    sent = time.monotonic()
    try:
        status, order_id = send(number)
    except Exception:
        status, order_id = 0, ""
    return Answer(number, status, order_id, sent, time.monotonic() - sent, late)


def closed_loop(send: Send, *, clients: int, requests: int) -> Run:
    """`clients` threads share `requests` requests, each sending its next as soon as its last is answered."""
    numbers, lock, run = iter(range(requests)), threading.Lock(), Run()

    def client() -> None:
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            answer = _timed(send, number)
            with lock:
                run.answers.append(answer)

    start = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(client)
    run.seconds = time.monotonic() - start
    return run


def paced(send: Send, *, count: int, seconds: float, clients: int = 64) -> Run:
    """`count` requests on an even schedule over `seconds` (open loop: a slow answer delays no other
    request, as long as fewer than `clients` are outstanding)."""
    run, lock, start = Run(), threading.Lock(), time.monotonic()

    def one(number: int, offset: float) -> None:
        delay = start + offset - time.monotonic()
        if delay > 0:
            time.sleep(delay)  # the schedule itself: this request's slot
        answer = _timed(send, number, late=max(0.0, -delay))
        with lock:
            run.answers.append(answer)

    with ThreadPoolExecutor(clients) as pool:
        for number, offset in enumerate(schedule(count, seconds)):
            pool.submit(one, number, offset)
    run.seconds = time.monotonic() - start
    return run
