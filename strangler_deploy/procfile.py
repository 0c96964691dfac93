"""The Procfile as data: each process type with its command and what kind of process it is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

# honcho's own line format: a name, a colon, the command (comments and blank lines are skipped).
_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")
# `PORT=$MONOLITH_PORT ...`: the process binds the port that variable names.
_PORT_PREFIX = re.compile(r"(?:^|\s)PORT=\$\{?([A-Z][A-Z0-9_]*)\}?(?=\s)")
# Commands that start a stand-in for a part a platform provides (a Redis server, the card-processor
# sandbox): they run under `honcho start` and are replaced by the real service anywhere else.
_LOCAL_ONLY = ("chassis.devredis", "sandboxes.")
# `celery ... beat`, or `celery ... worker --beat` / `-B` (a worker that also schedules).
_RUNS_BEAT = re.compile(r"\bcelery\b.*\s(?:beat|--beat|-B)(?:\s|$)")
# Where a web process answers "up" from memory; chassis.health serves /healthz for every other one.
_HEALTH_PATHS = (("strangler_proxy.", "/_strangler/healthz"), ("sandboxes.card_processor.", "/_sandbox/healthz"))


class Kind(Enum):
    WEB = "web"              # binds a port and answers HTTP
    WORKER = "worker"        # a long-running process without a port (Celery workers, relays)
    SCHEDULER = "scheduler"  # Celery beat: exactly one may run
    RELEASE = "release"      # runs once per deploy, before the new processes start; must succeed
    LOCAL = "local"          # a local stand-in for a platform service; not deployed


@dataclass(frozen=True)
class Process:
    name: str
    command: str
    kind: Kind
    # The variable holding the port a web process binds ("PORT" unless the command maps another onto it).
    port_variable: str | None

    @property
    def serves_http(self) -> bool:
        """True for web processes and for local stand-ins that run gunicorn (the card-processor sandbox)."""
        return self.kind is Kind.WEB or (self.kind is Kind.LOCAL and "gunicorn" in self.command)

    @property
    def bound_port_variable(self) -> str | None:
        """The variable naming the port this process binds, local stand-ins included (`port_variable`
        is None for those, as nothing deploys them)."""
        return _bound_port_variable(self.command) if self.serves_http else None

    @property
    def health_path(self) -> str | None:
        """The path that answers 200 from memory while the process is up; None for a process without HTTP."""
        if not self.serves_http:
            return None
        return next((path for module, path in _HEALTH_PATHS if module in self.command), "/healthz")


class ProcfileError(ValueError):
    pass


def read_procfile(path: Path) -> list[Process]:
    """Every process type in file order; a malformed line is an error naming it."""
    processes: list[Process] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        matched = _LINE.match(line)
        if matched is None:
            raise ProcfileError(f"{path}:{number}: not `name: command`: {line!r}")
        name, command = matched.groups()
        if any(process.name == name for process in processes):
            raise ProcfileError(f"{path}:{number}: process type {name!r} is defined twice")
        processes.append(_process(name, command.strip()))
    return processes


def _process(name: str, command: str) -> Process:
    kind = _kind(name, command)
    port_variable = _bound_port_variable(command) if kind is Kind.WEB else None
    return Process(name=name, command=command, kind=kind, port_variable=port_variable)


def _bound_port_variable(command: str) -> str:
    mapped = _PORT_PREFIX.search(command)
    return mapped.group(1) if mapped else "PORT"


def _kind(name: str, command: str) -> Kind:
    if any(marker in command for marker in _LOCAL_ONLY):
        return Kind.LOCAL
    if name == "release":
        return Kind.RELEASE
    if _RUNS_BEAT.search(command):  # beat alone, or a worker with beat inside: either must run exactly once
        return Kind.SCHEDULER
    if "gunicorn" in command:
        return Kind.WEB
    return Kind.WORKER
