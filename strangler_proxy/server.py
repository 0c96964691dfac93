"""How the proxy is served: gunicorn's arbiter over uvicorn workers (uvloop event loop, httptools parser).

    gunicorn -c python:chassis.gunicorn_conf -k strangler_proxy.server.ProxyWorker strangler_proxy.app:application

The shared gunicorn configuration binds $PORT, sizes the worker count from WEB_CONCURRENCY, gives workers
25 s to stop on SIGTERM and logs as JSON; `-k` on the command line replaces its gthread worker class.
ProxyWorker configures uvicorn for the proxy: no access log of its own (the proxy writes one line per
request), no X-Forwarded-* rewriting of the scope (the proxy decides what to trust), no Server header,
in-flight requests get 20 s to finish on SIGTERM, and every line uvicorn prints goes through gunicorn's
JSON handlers.

ProxyProtocol adds what uvicorn's httptools protocol lacks against slow or hostile clients:

  * a header read timeout (PROXY_HEADER_TIMEOUT): a connection must deliver a request's complete header
    block within that time of connecting or of the request's first byte; otherwise 408 and close (a
    connection that sent nothing is closed silently). uvicorn's keep-alive timeout covers idle time
    between requests; body reads are timed by the forwarder (PROXY_BODY_TIMEOUT).
  * a header size limit (PROXY_MAX_HEADER_BYTES): 431 and close beyond it (httptools has none).
  * the 400 for an unparseable request (llhttp refuses CL+TE, bad chunking, duplicate lengths, ...)
    in the contract's JSON Error shape, with a request id, instead of plain text.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState
from uvicorn_worker import UvicornWorker

from chassis import request_id
from strangler_proxy.settings import SETTINGS_STATE_KEY

logger = logging.getLogger("strangler_proxy.server")
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_MAX_HEADER_BYTES = 65536


def prepare_metrics_dir() -> Path:
    """The multiprocess metrics directory, emptied; made (and removed at exit) when none is configured.

    Runs when gunicorn's arbiter loads this module, before any worker exists, so every worker of this
    server inherits the same PROMETHEUS_MULTIPROC_DIR and starts from zero.
    """
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if configured:
        directory = Path(configured)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        return directory
    directory = Path(tempfile.mkdtemp(prefix="strangler-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    atexit.register(_remove_from, os.getpid(), directory)
    return directory


def _remove_from(owner: int, directory: Path) -> None:
    # Workers are forks and inherit the exit hook; only the arbiter, leaving last, removes the directory.
    if os.getpid() == owner:
        shutil.rmtree(directory, ignore_errors=True)


prepare_metrics_dir()


class ProxyProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header timeout, a header size limit and JSON errors."""

    def __init__(self, config: Config, server_state: ServerState, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        settings = app_state.get(SETTINGS_STATE_KEY)
        self.header_timeout = getattr(settings, "header_timeout", DEFAULT_HEADER_TIMEOUT)
        self.max_header_bytes = getattr(settings, "max_header_bytes", DEFAULT_MAX_HEADER_BYTES)
        self._header_timer: asyncio.TimerHandle | None = None
        self._awaiting_headers = False
        self._header_bytes = 0
        self._requests_begun = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]
        self._arm_header_timer()  # the first request's headers are due from the moment of connecting

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self._awaiting_headers or self.transport.is_closing():
            return
        self._header_bytes += len(data)
        if self._header_bytes > self.max_header_bytes:
            self._refuse(431, "The request's header block is too large.")
        elif self._header_timer is None:
            self._arm_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._awaiting_headers = True
        self._header_bytes = 0
        self._requests_begun += 1

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._cancel_header_timer()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, f"The request is not valid HTTP/1.1 ({msg.rstrip('.')}).")

    # ------------------------------------------------------------------ internals
    def _arm_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        answering = self.cycle is not None and not self.cycle.response_complete
        if self.transport.is_closing():
            return
        if self._requests_begun == 0 or answering:
            # Nothing asked yet (or mid-answer to a pipelined request): there is no one to tell.
            self.transport.close()
            return
        self._refuse(408, "The request headers arrived too slowly.")

    def _refuse(self, status: int, message: str) -> None:
        """Answer `status` with the contract's JSON Error and close the connection."""
        self._cancel_header_timer()
        if self.transport.is_closing():
            return
        rid = request_id.new()
        body = json.dumps({"code": status, "message": message, "request_id": rid}).encode()
        self.transport.write(b"".join([
            STATUS_LINE[status], b"content-type: application/json\r\n",
            b"content-length: %d\r\nx-request-id: %s\r\n" % (len(body), rid.encode()),
            b"connection: close\r\n\r\n", body]))
        self.transport.close()
        logger.warning("refused a request before it reached the proxy's pipeline",
                       extra={"request_id": rid, "status": status, "reason": message,
                              "client": self.client[0] if self.client else None})


class CoalescingTransport:
    """A transport that sends a response's head together with the body write that follows it.

    uvicorn writes a response's head and its body with two sends; for a small proxied answer that is a
    second system call per request (~15 µs of CPU here). A head is held until the next write, which
    takes it along, or until the end of the current turn of the event loop, whichever comes first, so
    nothing waits longer than that. Everything else is the real transport's.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held + data)
        elif data.startswith(b"HTTP/"):
            self._held = data
            self._loop.call_soon(self._flush)
        else:
            self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def _flush(self) -> None:
        held, self._held = self._held, None
        if held is not None and not self._transport.is_closing():
            self._transport.write(held)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _NoColour(logging.Filter):
    """Drops the ANSI-coloured copy of the message uvicorn attaches to some records."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__.pop("color_message", None)
        return True


class ProxyWorker(UvicornWorker):
    """The gunicorn worker class for the proxy (`-k strangler_proxy.server.ProxyWorker`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # UvicornWorker hands uvicorn's loggers gunicorn's (JSON) handlers; keep their lines plain.
        logging.getLogger("uvicorn.error").addFilter(_NoColour())

    CONFIG_KWARGS = {
        "loop": "uvloop",
        "http": ProxyProtocol,
        "lifespan": "on",
        "access_log": False,
        "proxy_headers": False,
        "server_header": False,
        "timeout_graceful_shutdown": 20,
    }
