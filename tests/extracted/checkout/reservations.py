"""The catalogue's reservations as the tests read them, and a catalogue that refuses commits for a while.

    held_reservations(system)             ids the catalogue lists as held (made in the last hour)
    release(system, reservation_id)       DELETE, as the sweeper would: the answer, unchecked
    with faulty_catalog(system.monolith_url, refused_commits=2) as catalog:
        catalog_through(system, catalog)   # the worker's first two commits answer 503 (or `refusal`)

The faulty catalogue is a forwarding HTTP server in the test process: every request goes on to the real
catalogue unchanged, except commits: the first `refused_commits` are answered `refusal` (503 unless
told) without being forwarded, and with `release_before_commit` each reservation is released just before its commit is
forwarded (so the real catalogue answers 410, as when something gave the units back).
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from chassis.identity import INTERNAL_HEADER, sign_internal
from devstack.processes import ManagedProcess
from tests.extracted.checkout.system import KEYS, CheckoutSystem

RESERVATIONS = "/internal/catalog/reservations"


def internal_headers() -> dict[str, str]:
    return {INTERNAL_HEADER: sign_internal(keys=KEYS)}


def held_reservations(system: CheckoutSystem) -> list[str]:
    """The ids the catalogue lists as held among those made in the last hour (at most 500, oldest first)."""
    now = datetime.datetime.now(datetime.UTC)
    window = {"heldAfter": (now - datetime.timedelta(hours=1)).isoformat(),
              "heldBefore": (now + datetime.timedelta(minutes=1)).isoformat()}
    response = requests.get(f"{system.monolith_url}{RESERVATIONS}", params=window, headers=internal_headers(),
                            timeout=10)
    response.raise_for_status()
    return [item["reservationId"] for item in response.json()["reservations"]]


def release(system: CheckoutSystem, reservation_id: str) -> requests.Response:
    return requests.delete(f"{system.monolith_url}{RESERVATIONS}/{reservation_id}", headers=internal_headers(),
                           timeout=10)


def catalog_through(system: CheckoutSystem, catalog: FaultyCatalog) -> ManagedProcess:
    """Replace the system's worker with one that reaches the catalogue through `catalog`; the new worker."""
    assert system.workers[0].stop() == 0
    return system.start_worker(CATALOG_URL=catalog.url)


@dataclass
class FaultyCatalog:
    """Where the faulty catalogue listens, its faults, and the commits it refused so far (their paths)."""

    url: str
    upstream: str
    refused_commits: int
    refusal: int
    release_before_commit: bool
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def refuses(self, method: str, path: str) -> bool:
        """Whether to answer this request `refusal` instead of forwarding it (counted)."""
        if not _is_commit(method, path):
            return False
        with self.lock:
            if len(self.refused) >= self.refused_commits:
                return False
            self.refused.append(path)
            return True

    def recover(self) -> None:
        """No commit is refused from now on."""
        with self.lock:
            self.refused_commits = len(self.refused)


@contextmanager
def faulty_catalog(upstream: str, *, refused_commits: int = 0, refusal: int = 503,
                   release_before_commit: bool = False) -> Iterator[FaultyCatalog]:
    """A catalogue in front of `upstream` with those faults on its commits, for the block."""
    catalog = FaultyCatalog(url="", upstream=upstream.rstrip("/"), refused_commits=refused_commits,
                            refusal=refusal, release_before_commit=release_before_commit)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(catalog))
    catalog.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield catalog
    finally:
        server.shutdown()
        server.server_close()


def _is_commit(method: str, path: str) -> bool:
    return method == "POST" and path.endswith("/commit")


def _handler(catalog: FaultyCatalog) -> type[BaseHTTPRequestHandler]:
    class Forwarder(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._forward()

        def do_PUT(self) -> None:
            self._forward()

        def do_POST(self) -> None:
            self._forward()

        def do_DELETE(self) -> None:
            self._forward()

        def _forward(self) -> None:
            if catalog.refuses(self.command, self.path):
                body = f'{{"code": {catalog.refusal}, "message": "fault injected: commit refused"}}'
                self._answer(catalog.refusal, body.encode(), "application/json")
                return
            length = int(self.headers.get("Content-Length") or 0)
            headers = {name: value for name, value in self.headers.items()
                       if name.lower() not in ("host", "content-length", "connection")}
            if catalog.release_before_commit and _is_commit(self.command, self.path):
                given_back = requests.delete(catalog.upstream + self.path.removesuffix("/commit"),
                                             headers=internal_headers(), timeout=10)
                assert given_back.status_code == 204, given_back.text
            answer = requests.request(self.command, catalog.upstream + self.path, headers=headers,
                                      data=self.rfile.read(length) if length else None, timeout=10)
            self._answer(answer.status_code, answer.content, answer.headers.get("Content-Type", ""))

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Forwarder
