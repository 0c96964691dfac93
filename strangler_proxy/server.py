"""How the proxy is served: gunicorn's arbiter over the proxy's own asyncio workers (uvloop, httptools).

    gunicorn -c python:strangler_proxy.gunicorn_conf strangler_proxy.app:application

The proxy's gunicorn configuration is the shared one (bind $PORT, worker count from WEB_CONCURRENCY, 25 s
to stop on SIGTERM, JSON logs) with this worker class and the route table's safe reload on SIGHUP.

ProxyWorker is a gunicorn worker class, gunicorn's published way to serve something other than WSGI: in
each worker process it runs one uvloop event loop with a ProxyProtocol (protocol.py) per client
connection on the sockets the arbiter bound, drives the application's ASGI lifespan (lifespan.py), tells
the arbiter it is alive once a second, and on SIGTERM stops accepting, lets requests under way finish
(up to GRACEFUL_SECONDS) and runs the lifespan shut-down. SIGINT and SIGQUIT stop at once. It takes its
connection limits from the environment (settings.py) and gunicorn's `keepalive`. TLS ends at the load
balancer in front: a `certfile` in gunicorn's configuration is refused at start-up.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

import uvloop
from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker

from chassis.env import ConfigError
from strangler_proxy.flow import ServerState
from strangler_proxy.lifespan import Lifespan
from strangler_proxy.protocol import ConnectionSettings, ProxyProtocol
from strangler_proxy.settings import load_connection_settings

# Seconds requests under way get to finish on SIGTERM (inside gunicorn's graceful_timeout of 25 s).
GRACEFUL_SECONDS = 20.0
TICK_SECONDS = 1.0


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


class ProxyWorker(Worker):
    """The gunicorn worker class for the proxy (set by strangler_proxy/gunicorn_conf.py)."""

    def init_signals(self) -> None:
        # The event loop handles the signals (run() below); gunicorn's handlers would stop it mid-request.
        for number in self.SIGNALS:
            signal.signal(number, signal.SIG_DFL)

    def run(self) -> None:
        if self.cfg.is_ssl:
            self.log.error("the proxy does not terminate TLS: remove certfile/keyfile and end TLS in front of it")
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
        try:
            settings = load_connection_settings(keep_alive_timeout=float(self.cfg.keepalive or 5))
        except ConfigError as error:
            self.log.error(str(error))
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            booted = runner.run(self._serve(settings))
        sys.exit(0 if booted else Arbiter.WORKER_BOOT_ERROR)

    async def _serve(self, settings: ConnectionSettings) -> bool:
        """Serve until told to stop; False when the application could not start."""
        loop = asyncio.get_running_loop()
        lifespan = Lifespan(self.wsgi)
        if not await lifespan.startup():
            return False
        state = ServerState()
        state.tick()
        servers = [await loop.create_server(lambda: ProxyProtocol(self.wsgi, state, settings, loop),
                                            sock=listener.sock, backlog=self.cfg.backlog)
                   for listener in self.sockets]
        stop = self._stop_on_signals(loop)
        await self._tick_until(stop, state)
        await self._stop_serving(servers, state, graceful=stop.result())
        await lifespan.shutdown()
        return True

    def _stop_on_signals(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[bool]:
        """A future that resolves True on SIGTERM (graceful) and False on SIGINT or SIGQUIT (at once)."""
        stop: asyncio.Future[bool] = loop.create_future()

        def stopping(graceful: bool) -> None:
            self.alive = False
            if not stop.done():
                stop.set_result(graceful)

        loop.add_signal_handler(signal.SIGTERM, stopping, True)
        loop.add_signal_handler(signal.SIGINT, stopping, False)
        loop.add_signal_handler(signal.SIGQUIT, stopping, False)
        loop.add_signal_handler(signal.SIGUSR1, self.log.reopen_files)
        return stop

    async def _tick_until(self, stop: asyncio.Future[bool], state: ServerState) -> None:
        """Once a second: refresh the Date header and tell the arbiter this worker is alive; stop when
        signalled, when the arbiter is gone, or after max_requests."""
        while not stop.done():
            await asyncio.wait([stop], timeout=TICK_SECONDS)
            state.tick()
            self.notify()
            if os.getppid() != self.ppid:
                self.log.info("the arbiter is gone; stopping")
                stop.set_result(True)
            elif self.max_requests and state.total_requests >= self.max_requests:
                self.log.info("served max_requests; stopping to be replaced")
                stop.set_result(True)

    async def _stop_serving(self, servers: list[asyncio.Server], state: ServerState, *, graceful: bool) -> None:
        for server in servers:
            server.close()
        for connection in list(state.connections):
            connection.shutdown()
        if graceful:
            await _wait_for(lambda: not state.connections and not state.tasks, GRACEFUL_SECONDS)
        for task in list(state.tasks):
            task.cancel()
        for connection in list(state.connections):
            connection.transport.abort()


async def _wait_for(done: Any, seconds: float) -> None:
    """Until `done()` or `seconds` have passed, looking every 0.1 s (during shut-down only)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not done() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
