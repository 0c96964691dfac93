"""The catalogue's reservations as the tests read them, and a catalogue that refuses commits for a while.

    held_reservations(system)             ids the catalogue lists as held (made in the last hour)
    release(system, reservation_id)       DELETE, as the sweeper would: the answer, unchecked
    with faulty_catalog(system.monolith_url, unavailable_commits=2) as catalog:
        system.start_worker(CATALOG_URL=catalog.url)   # its first two commits answer 503

The faulty catalogue is a forwarding HTTP server in the test process: every request goes on to the real
catalogue unchanged, except commits: the first `unavailable_commits` are answered 503 without being
forwarded, and with `release_before_commit` each reservation is released just before its commit is
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
from tests.extracted.checkout.system import KEYS, CheckoutSystem

RESERVATIONS = "/internal/catalog/reservations"
UNAVAILABLE = b'{"code": 503, "message": "fault injected: the catalogue is unavailable"}'


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


@dataclass
class FaultyCatalog:
    """Where the faulty catalogue listens, its faults, and the commits it answered 503 so far (their paths)."""

    url: str
    upstream: str
    unavailable_commits: int
    release_before_commit: bool
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def refuses(self, method: str, path: str) -> bool:
        """Whether to answer this request 503 instead of forwarding it (counted)."""
        if not _is_commit(method, path):
            return False
        with self.lock:
            if len(self.refused) >= self.unavailable_commits:
                return False
            self.refused.append(path)
            return True

    def recover(self) -> None:
        """No commit is answered 503 from now on."""
        with self.lock:
            self.unavailable_commits = len(self.refused)


@contextmanager
def faulty_catalog(upstream: str, *, unavailable_commits: int = 0,
                   release_before_commit: bool = False) -> Iterator[FaultyCatalog]:
    """A catalogue in front of `upstream` with those faults on its commits, for the block."""
    catalog = FaultyCatalog(url="", upstream=upstream.rstrip("/"), unavailable_commits=unavailable_commits,
                            release_before_commit=release_before_commit)
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
                self._answer(503, UNAVAILABLE, "application/json")
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
