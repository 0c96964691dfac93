"""The whole system started from the Procfile with honcho, on free ports, as a person would run it."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.databases import throwaway_database_url
from tests.support.processes import ROOT, ManagedProcess, process_env
from tests.support.waiting import free_port

# honcho prefixes each line: "06:30:00 web.1          | {...}"; its own lines come from "system".
HONCHO_LINE = re.compile(r"^\d\d:\d\d:\d\d (?P<process>\S+)\s*\| (?P<text>.*)$")


@dataclass
class RunningSystem:
    base_url: str
    card_processor_url: str
    honcho: ManagedProcess
    release_lines: list[str] = field(default_factory=list)

    def process_lines(self) -> list[tuple[str, str]]:
        """(process, line) for every line a process of the Procfile printed, honcho's own excluded."""
        found = (HONCHO_LINE.match(line) for line in self.release_lines + self.honcho.output())
        return [(m["process"], m["text"]) for m in found if m and m["process"] != "system"]

    def json_logs(self) -> list[dict]:
        return [json.loads(text) for _, text in self.process_lines()]


def _env_file(path: Path, overrides: dict[str, str]) -> Path:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    values.update(overrides)
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    return path


def procfile_commands() -> dict[str, str]:
    """Each process type of the Procfile and its command, in the Procfile's order."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    pairs = (line.split(":", 1) for line in lines if ":" in line and not line.startswith("#"))
    return {name.strip(): command.strip() for name, command in pairs}


def long_running_processes() -> list[str]:
    """Every process type of the Procfile but `release`, which runs once before the others."""
    return [name for name in procfile_commands() if name != "release"]


def _redis_url() -> str:
    """CI's Redis when given; otherwise a free port where the Procfile's `redis` process starts one."""
    given = os.environ.get("REDIS_URL")
    if given and os.environ.get("TESTS_START_REDIS") != "true":
        return given
    return f"redis://127.0.0.1:{free_port()}/0"


@dataclass
class ReleasedSystem:
    """A system's configuration written and its release phase run: every database migrated, nothing
    running yet. Start it whole under one honcho (`started`) or process by process (tests/e2e/platform.py),
    as often as a test needs: the databases, queues and ports stay the same."""

    env_file: Path
    ports: dict[str, int]
    release_lines: list[str]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['PORT']}"

    @property
    def card_processor_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['CARD_SANDBOX_PORT']}"

    def honcho(self, *arguments: str) -> list[str]:
        return ["honcho", "--no-colour", "-e", str(self.env_file), *arguments]

    def settings(self) -> dict[str, str]:
        """Every variable the processes get, as the env file gives it."""
        lines = self.env_file.read_text().splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    @contextmanager
    def started(self) -> Iterator[RunningSystem]:
        """Every long-running process under one `honcho start`, as `./kit up` runs them; stopped after."""
        system = RunningSystem(self.base_url, self.card_processor_url,
                               ManagedProcess(self.honcho("start", *long_running_processes()), process_env(),
                                              log_path=self.env_file.parent / "logs" / "honcho.log"))
        system.release_lines = self.release_lines
        try:
            system.honcho.wait_for_http(f"{system.base_url}/_strangler/readyz", timeout=90)
            system.honcho.wait_for_http(f"{system.card_processor_url}/_sandbox/healthz", timeout=60)
            yield system
        finally:
            system.honcho.stop(timeout=40)


@contextmanager
def released_system(tmp_path: Path, **overrides: str) -> Iterator[ReleasedSystem]:
    """Free ports, throwaway databases (dropped after the block) and the release phase run."""
    ports = {name: free_port()
             for name in ("PORT", "MONOLITH_PORT", "CHECKOUT_PORT", "CATALOG_PORT", "CARD_SANDBOX_PORT")}
    with ExitStack() as stack:
        databases = {name: stack.enter_context(throwaway_database_url(tmp_path / name))
                     for name in ("DATABASE_URL", "CHECKOUT_DATABASE_URL", "CATALOG_DATABASE_URL",
                                  "NOTIFICATIONS_DATABASE_URL")}
        env_file = _env_file(tmp_path / "system.env", {**_wiring(ports, tmp_path), **databases, **overrides})
        released = ReleasedSystem(env_file, ports, [])
        release = ManagedProcess(released.honcho("start", "release"), process_env())
        assert release.finish(timeout=180) == 0, "\n".join(release.output())
        released.release_lines = release.output()
        yield released


@contextmanager
def running_system(tmp_path: Path, **overrides: str) -> Iterator[RunningSystem]:
    with released_system(tmp_path, **overrides) as released, released.started() as system:
        yield system


def _wiring(ports: dict[str, int], tmp_path: Path) -> dict[str, str]:
    """Every process on its own free port, pointed at each other; queues of this run's own."""
    run = uuid.uuid4().hex[:8]
    monolith, redis_url = f"http://127.0.0.1:{ports['MONOLITH_PORT']}", _redis_url()
    return {
        **{name: str(port) for name, port in ports.items()},
        "MONOLITH_URL": monolith, "CATALOG_URL": monolith,
        "CHECKOUT_URL": f"http://127.0.0.1:{ports['CHECKOUT_PORT']}",
        "CATALOG_UPSTREAM_URL": f"http://127.0.0.1:{ports['CATALOG_PORT']}", "CATALOG_REDIS_PREFIX": f"catalog-{run}",
        "CARD_PROCESSOR_URL": f"http://127.0.0.1:{ports['CARD_SANDBOX_PORT']}",
        "CARD_SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'card-sandbox.sqlite3'}",
        "REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url,
        "CHECKOUT_QUEUE": f"checkout-{run}", "ORDER_EVENTS_QUEUE": f"order-events-{run}",
        "WEB_CONCURRENCY": "2", "CHECKOUT_WORKER_CONCURRENCY": "4",
    }
