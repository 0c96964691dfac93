"""A 20 % canary under steady load whose candidate is killed (SIGKILL, master and workers): every request
that is safe to replay still gets an answer from the primary, and the candidate's breaker opens."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from strangler_proxy.control.arms import CALLER_COOKIE, point
from tests.strangler_proxy.control.support import moving_route_table, strangler
from tests.strangler_proxy.upstreams.processes import Running, start_echo, start_proxy
from tests.support.waiting import wait_until

pytestmark = pytest.mark.fault

ROUTES = moving_route_table("CANDIDATE_URL")
ADMIN_TOKEN = "canary-kill-tests-admin-token-0123456789abcdef"
PERCENT = 20
CLIENTS = 6
CALLERS_PER_CLIENT = 10
# Candidate answers seen before the kill, and answers after it once the breaker is open.
BEFORE_KILL = 20
AFTER_OPEN = 150


@dataclass(frozen=True)
class Outcome:
    """One request of the load: what the client saw."""

    at: float
    caller: str
    method: str
    status: int  # 0: no HTTP answer at all (connection error)
    served_by: str  # "candidate", "primary" or "" when there was no JSON answer
    detail: str


class Load:
    """CLIENTS threads, each cycling through its own callers, alternating GETs and POSTs with an
    Idempotency-Key, until stopped."""

    def __init__(self, proxy: Running, callers: list[list[str]]) -> None:
        self.proxy = proxy
        self.callers = callers
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(mine,), daemon=True) for mine in callers]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _client(self, callers: list[str]) -> None:
        session = requests.Session()
        sent = 0
        while not self._stop.is_set():
            caller = callers[sent // 2 % len(callers)]  # each caller sends a GET, then a POST
            self._note(caller, *self._send(session, caller, post=sent % 2 == 1))
            sent += 1
        session.close()

    def _send(self, session: requests.Session, caller: str, *, post: bool) -> tuple[str, int, str, str]:
        headers = {"Cookie": f"{CALLER_COOKIE}={caller}"}
        try:
            if post:
                response = session.post(f"{self.proxy.url}/items/order", json={"caller": caller}, timeout=10,
                                        headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
            else:
                response = session.get(f"{self.proxy.url}/items/{caller[-4:]}", headers=headers, timeout=10)
        except requests.RequestException as error:
            return ("POST" if post else "GET"), 0, "", repr(error)
        return ("POST" if post else "GET"), response.status_code, _served_by(response), response.text[:200]

    def _note(self, caller: str, method: str, status: int, served_by: str, detail: str) -> None:
        with self._lock:
            self.outcomes.append(Outcome(time.monotonic(), caller, method, status, served_by, detail))

    def seen(self) -> list[Outcome]:
        with self._lock:
            return list(self.outcomes)


def _served_by(response: requests.Response) -> str:
    if response.headers.get("content-type") != "application/json":
        return ""
    return "candidate" if response.json().get("flavour") == "candidate" else "primary"


def spread_callers() -> list[list[str]]:
    """CLIENTS × CALLERS_PER_CLIENT caller cookies, each client holding at least one the canary sends to the
    candidate (so the candidate gets steady traffic from several clients) and at least one it does not."""
    cookies = (f"{n:032x}" for n in range(100_000))
    inside, outside = [], []
    while len(inside) < CLIENTS or len(outside) < CLIENTS * (CALLERS_PER_CLIENT - 1):
        cookie = next(cookies)
        (inside if point("items", f"cookie:{cookie}") < PERCENT else outside).append(cookie)
    per_client = CALLERS_PER_CLIENT - 1
    return [[inside[n], *outside[n * per_client:(n + 1) * per_client]] for n in range(CLIENTS)]


def breaker_state(proxy: Running, upstream: str) -> str:
    """The breaker state the dashboard shows for `upstream` (the proxy runs one process: its breakers)."""
    page = requests.get(f"{proxy.url}/_strangler/", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                        timeout=10).text
    panel = re.search(r'<section id="breakers".*?</section>', page, re.S)
    assert panel is not None, page[:500]
    found = re.search(rf"<td[^>]*><b>{re.escape(upstream)}</b></td><td[^>]*>(.*?)</td>", panel[0], re.S)
    return re.sub(r"<[^>]+>", "", found[1]).strip() if found else ""


@pytest.fixture
def candidate() -> Iterator[Running]:
    running = start_echo(ECHO_FLAVOUR="candidate")
    yield running
    running.stop()


def test_killing_the_candidate_mid_canary_leaves_no_5xx_for_requests_safe_to_replay(echo, candidate, tmp_path: Path):
    table = tmp_path / "canary-routes.toml"
    table.write_text(ROUTES)
    env = {"ROUTES_FILE": str(table), "ECHO_URL": echo.url, "CANDIDATE_URL": candidate.url}
    proxy = start_proxy(tmp_path, ROUTES, PROXY_ADMIN_TOKEN=ADMIN_TOKEN, **env)
    callers = spread_callers()
    try:
        done = strangler(env, "canary", "items", "--candidate", "orders", "--percent", str(PERCENT))
        assert done.returncode == 0, done.stderr
        to_candidate = {"Cookie": f"{CALLER_COOKIE}={callers[0][0]}"}
        wait_until(lambda: _served_by(requests.get(f"{proxy.url}/items", headers=to_candidate, timeout=10))
                   == "candidate", timeout=10, what="the proxy to take the canary")
        with Load(proxy, callers) as load:
            wait_until(lambda: sum(o.served_by == "candidate" for o in load.seen()) >= BEFORE_KILL, timeout=20,
                       what=f"{BEFORE_KILL} answers from the candidate")
            os.killpg(candidate.process.popen.pid, signal.SIGKILL)
            killed_at = time.monotonic()
            wait_until(lambda: breaker_state(proxy, "orders") == "open", timeout=15, interval=0.1,
                       what="the candidate's breaker to open")
            opened = len(load.seen())
            wait_until(lambda: len(load.seen()) >= opened + AFTER_OPEN, timeout=20,
                       what=f"{AFTER_OPEN} more answers with the breaker open")
        outcomes = load.seen()
    finally:
        proxy.stop()

    failed = [o for o in outcomes if o.status == 0 or o.status >= 500]
    assert failed == [], f"{len(failed)} of {len(outcomes)} requests failed, e.g. {failed[:5]}"
    before = [o for o in outcomes if o.at < killed_at]
    after = outcomes[opened:]  # noted once the breaker was seen open, well after the kill
    assert sum(o.served_by == "candidate" for o in before) >= BEFORE_KILL
    assert {o.method for o in before if o.served_by == "candidate"} == {"GET", "POST"}
    assert all(o.served_by == "primary" for o in after), [o for o in after if o.served_by != "primary"][:5]
    # The candidate's callers kept coming, and the primary answered them.
    candidate_callers = {client[0] for client in callers}
    assert sum(o.caller in candidate_callers for o in after) >= CLIENTS
    fallbacks = {line["fallback"] for line in proxy.lines("strangler_proxy.access") if line.get("fallback")}
    assert "breaker_open" in fallbacks and fallbacks - {"breaker_open"}, fallbacks
