"""How the proxy is served: gunicorn's arbiter over uvicorn workers (uvloop event loop, httptools parser).

    gunicorn -c python:chassis.gunicorn_conf -k strangler_proxy.server.ProxyWorker strangler_proxy.app:application

The shared gunicorn configuration binds $PORT, sizes the worker count from WEB_CONCURRENCY, gives workers
25 s to stop on SIGTERM and logs as JSON; `-k` on the command line replaces its gthread worker class.
ProxyWorker configures uvicorn for the proxy: no access log of its own (the proxy writes one line per
request), no X-Forwarded-* rewriting of the scope (the proxy decides what to trust), no Server header,
in-flight requests get 20 s to finish on SIGTERM, and every line uvicorn prints goes through gunicorn's
JSON handlers.

Its HTTP protocol is ProxyProtocol (protocol.py): uvicorn's httptools protocol with a header timeout, a
header size limit and JSON errors, running each request through a leaner cycle than uvicorn's.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from uvicorn_worker import UvicornWorker

from strangler_proxy.protocol import ProxyProtocol


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
        "ws": "none",  # the proxy carries no WebSockets; an Upgrade request is answered as a plain one
        "lifespan": "on",
        "access_log": False,
        "proxy_headers": False,
        "server_header": False,
        "timeout_graceful_shutdown": 20,
    }
