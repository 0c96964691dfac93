"""The processes the proxy's tests run against: the echo and raw upstreams, the monolith, the proxy.

The proxy is started with the Procfile's command (gunicorn + ProxyWorker) and a route table the test
writes; upstreams are real servers on free ports.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.databases import throwaway_database_url
from tests.support.processes import ROOT, ManagedProcess, process_env
from tests.support.waiting import free_port, wait_until

PROXY_COMMAND = ["gunicorn", "-c", "python:strangler_proxy.gunicorn_conf",
                 "strangler_proxy.app:application"]
SIGNING_KEY = "proxy-tests-signing-key-0123456789abcdefghijkl"


@dataclass
class Running:
    """A started server: where it listens and its output."""

    url: str
    port: int
    process: ManagedProcess

    def lines(self, logger: str | None = None) -> list[dict[str, Any]]:
        """Its JSON output lines (all of them must be JSON), optionally only those of `logger`."""
        lines = self.process.json_lines()
        return [line for line in lines if logger is None or line.get("logger") == logger]

    def stop(self) -> int:
        return self.process.stop(timeout=40)


def start_echo(*, port: int | None = None, **env: str) -> Running:
    """The echo upstream on `port` (default: a free one); `env` adds to its environment."""
    port = port or free_port()
    process = ManagedProcess(
        ["gunicorn", "-c", "python:chassis.gunicorn_conf", "tests.strangler_proxy.upstreams.echo.wsgi"],
        process_env(PORT=str(port), SERVICE_NAME="echo", WEB_CONCURRENCY="1", GUNICORN_THREADS="8",
                    DJANGO_SETTINGS_MODULE="tests.strangler_proxy.upstreams.echo.settings", **env))
    running = Running(f"http://127.0.0.1:{port}", port, process)
    process.wait_for_http(f"{running.url}/healthz")
    return running


@contextmanager
def running_monolith(tmp_path: Path, *, commands: Sequence[tuple[Sequence[str], dict[str, str]]] = (),
                     **env: str) -> Iterator[Running]:
    """The monolith under gunicorn on a throwaway database, released, after `commands` (manage.py
    arguments with extra environment, e.g. a createsuperuser); `env` adds to its environment."""
    with throwaway_database_url(tmp_path) as database_url:
        environ = process_env(DATABASE_URL=database_url, ENVIRONMENT="development", SERVICE_NAME="monolith",
                              WEB_CONCURRENCY="1", PORT=str(free_port()), **env)
        for arguments, extra in (("release",), {}), *commands:
            done = subprocess.run([sys.executable, "-m", "monolith.manage", *arguments], cwd=ROOT,
                                  env={**environ, **extra}, capture_output=True, text=True)
            assert done.returncode == 0, done.stdout + done.stderr
        process = ManagedProcess(["gunicorn", "-c", "python:chassis.gunicorn_conf", "monolith.concierge.wsgi"], environ)
        running = Running(f"http://127.0.0.1:{environ['PORT']}", int(environ["PORT"]), process)
        process.wait_for_http(f"{running.url}/healthz")
        yield running
        running.stop()


def start_raw() -> Running:
    port = free_port()
    process = ManagedProcess([sys.executable, "-m", "tests.strangler_proxy.upstreams.raw", str(port)], process_env())
    running = Running(f"http://127.0.0.1:{port}", port, process)
    process.wait_for_http(f"{running.url}/healthz")
    return running


def start_proxy(tmp_path: Path, routes: str, **env: str) -> Running:
    """The proxy with `routes` as its route table; `env` adds to (or overrides) its environment."""
    port = free_port()
    table = tmp_path / f"routes-{port}.toml"
    table.write_text(routes)
    defaults = {"PORT": str(port), "SERVICE_NAME": "strangler-proxy", "WEB_CONCURRENCY": "1",
                "ROUTES_FILE": str(table), "IDENTITY_SIGNING_KEYS": SIGNING_KEY,
                "MONOLITH_URL": "http://127.0.0.1:1"}
    process = ManagedProcess(PROXY_COMMAND, process_env(**{**defaults, **env}))
    running = Running(f"http://127.0.0.1:{port}", port, process)
    process.wait_for_http(f"{running.url}/_strangler/healthz")
    return running


def start_failing_proxy(tmp_path: Path, routes: str, **env: str) -> ManagedProcess:
    """The proxy's command for a configuration it must refuse: waits for it to exit."""
    table = tmp_path / "refused-routes.toml"
    table.write_text(routes)
    defaults = {"PORT": str(free_port()), "SERVICE_NAME": "strangler-proxy", "WEB_CONCURRENCY": "1",
                "ROUTES_FILE": str(table), "IDENTITY_SIGNING_KEYS": SIGNING_KEY,
                "MONOLITH_URL": "http://127.0.0.1:1"}
    process = ManagedProcess(PROXY_COMMAND, process_env(**{**defaults, **env}))
    process.finish(timeout=60)
    return process


def received(echo: Running, request_tag: str) -> list[dict[str, Any]]:
    """What the echo upstream logged as received for requests carrying `X-Test-Id: request_tag`."""
    return [line["received"] for line in echo.lines("echo") if line.get("request_tag") == request_tag]


def wait_received(echo: Running, request_tag: str, count: int = 1) -> list[dict[str, Any]]:
    return wait_until(lambda: (found := received(echo, request_tag)) and len(found) >= count and found,
                      timeout=10, what=f"the echo upstream to receive {request_tag}")
