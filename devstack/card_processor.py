"""Runs the real card-processor sandbox: `migrate`, then gunicorn, as the Procfile does.

    with running_card_processor(tmp_dir, CARD_SANDBOX_DROP_RATE="0.5") as sandbox:
        CardProcessorClient(sandbox.base_url).charge(...)
        sandbox.ledger(order_id="...")

Each sandbox gets a free port and its own SQLite file in `tmp_dir`, and is ready (its health check
answers) when the block starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from devstack.processes import ROOT
from devstack.waiting import free_port, wait_until

MIGRATE = [sys.executable, "-m", "sandboxes.card_processor.manage", "migrate", "--noinput", "--verbosity", "0"]
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "python:chassis.gunicorn_conf", "sandboxes.card_processor.wsgi"]
START_TIMEOUT = 30.0


@dataclass
class Sandbox:
    """A running sandbox: where it listens, its process and where its output goes."""

    base_url: str
    process: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path

    def post(self, path: str, body: Any = None, *, key: str | None = None, timeout: float = 5) -> requests.Response:
        """POST `body` as JSON, with an Idempotency-Key when `key` is given."""
        headers = {"Idempotency-Key": key} if key else {}
        return requests.post(f"{self.base_url}{path}", json=body, headers=headers, timeout=timeout)

    def ledger(self, **metadata: str) -> list[dict[str, Any]]:
        """Ledger entries, in order, whose metadata has every given key=value."""
        query = {f"metadata.{key}": value for key, value in metadata.items()}
        response = requests.get(f"{self.base_url}/_sandbox/ledger", params=query, timeout=5)
        response.raise_for_status()
        return response.json()["entries"]

    def kinds(self, **metadata: str) -> list[str]:
        return [entry["kind"] for entry in self.ledger(**metadata)]

    def stdout_lines(self) -> list[str]:
        return self.stdout_path.read_text().splitlines()

    def log_messages(self) -> list[str]:
        return [json.loads(line)["message"] for line in self.stdout_lines()]

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(timeout=30)


def sandbox_env(tmp_dir: Path, port: int, overrides: dict[str, str]) -> dict[str, str]:
    """The environment of a sandbox process: ours minus any sandbox settings, plus `overrides`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CARD_SANDBOX_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update({
        "SECRET_KEY": "insecure-local-only-card-sandbox-test-key",
        "READ_DOT_ENV": "false",
        "CARD_SANDBOX_DATABASE_URL": f"sqlite:///{tmp_dir / 'card-sandbox.sqlite3'}",
        "PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        "SERVICE_NAME": "card-processor",
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "INFO",
    })
    env.update(overrides)
    return env


def run(command: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run one sandbox command to its end, output captured."""
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


@contextmanager
def running_card_processor(tmp_dir: Path, **overrides: str) -> Iterator[Sandbox]:
    """A migrated, started and healthy sandbox for the block; stopped after it."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = sandbox_env(tmp_dir, port, overrides)
    migrated = run(MIGRATE, env)
    assert migrated.returncode == 0, f"migrate failed:\n{migrated.stdout}\n{migrated.stderr}"
    sandbox = _start(tmp_dir, port, env)
    try:
        _wait_until_healthy(sandbox)
        yield sandbox
    finally:
        sandbox.stop()


def _start(tmp_dir: Path, port: int, env: dict[str, str]) -> Sandbox:
    stdout_path, stderr_path = tmp_dir / "stdout.log", tmp_dir / "stderr.log"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(GUNICORN, env=env, cwd=ROOT, stdout=stdout, stderr=stderr)
    return Sandbox(f"http://127.0.0.1:{port}", process, stdout_path, stderr_path)


def _wait_until_healthy(sandbox: Sandbox) -> None:
    wait_until(lambda: sandbox.process.poll() is not None or _healthy(sandbox.base_url),
               timeout=START_TIMEOUT, what=f"card-processor sandbox at {sandbox.base_url}")
    if sandbox.process.poll() is not None:
        raise RuntimeError(f"the sandbox exited with {sandbox.process.returncode}:\n"
                           f"{sandbox.stdout_path.read_text()}\n{sandbox.stderr_path.read_text()}")


def _healthy(base_url: str) -> bool:
    return requests.get(f"{base_url}/_sandbox/healthz", timeout=1).status_code == 200
