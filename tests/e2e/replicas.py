"""The system run as a platform runs it: each process of the Procfile in a container of its own.

    with released_system(tmp_path) as released, Replicas(released, tmp_path / "logs") as replicas:
        replicas.start_all()                         # every long-running process type, one replica each
        replicas.replace(replicas.current("monolith"))   # a rolling restart of one replica
        replicas.stop_all()                          # SIGTERM to each, at once: {type: Stopped}

A replica is `honcho start <type>` with the system's env file: the Procfile's own command, environment
and signal handling, and nothing else in the same process group, as in a container. SIGTERM goes to that
honcho, which passes it to the process's group and exits when the process has. Replicas of one web
process type share its port through SO_REUSEPORT (GUNICORN_REUSE_PORT=true), standing in for the load
balancer a platform puts in front of the old and the new container.

Which process types are what is read from the Procfile, so a process added to it is covered too: a web
process runs gunicorn; `redis` and `cardprocessor` stand in for a backing service and a third party that
a platform provides, and are never replaced with the application.
"""

from __future__ import annotations

import json
import os
import signal
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.e2e.system import HONCHO_LINE, ReleasedSystem, long_running_processes, procfile_commands
from tests.support.processes import ManagedProcess, process_env
from tests.support.waiting import wait_until

PROVIDED = ("redis", "cardprocessor")  # a backing service and a third party's stand-in, not the application
STOP_LIMIT = 60.0  # how long a stop is waited for before SIGKILL; the tests compare what they measure with 25 s


def application_processes() -> list[str]:
    """The long-running process types of the application itself (the Procfile's, less the stand-ins)."""
    return [name for name in long_running_processes() if name not in PROVIDED]


def web_processes() -> list[str]:
    """The application's process types that serve HTTP (their command runs gunicorn)."""
    commands = procfile_commands()
    return [name for name in application_processes() if "gunicorn" in commands[name]]


@dataclass
class Stopped:
    """How a replica ended after its SIGTERM."""

    process_type: str
    seconds: float
    returncode: int
    killed: bool  # still running at STOP_LIMIT, then SIGKILLed


@dataclass
class Replica:
    """One running copy of a process type."""

    process_type: str
    number: int
    process: ManagedProcess

    def lines(self) -> list[dict[str, Any]]:
        """The JSON lines the process printed (honcho's own lines and prefixes left out)."""
        found = (HONCHO_LINE.match(line) for line in self.process.output())
        return [_json(m["text"]) for m in found if m and m["process"] != "system"]

    def ready(self) -> bool:
        """Started and serving: every gunicorn worker booted has loaded the application, or a Celery
        worker says it is ready; other processes once they are running."""
        if self.process.popen.poll() is not None:
            raise AssertionError(f"{self.process_type} #{self.number} exited ({self.process.popen.returncode}):\n"
                                 + "\n".join(self.process.output()[-40:]))
        messages = [str(line.get("message", "")) for line in self.lines()]
        command = procfile_commands()[self.process_type]
        if "gunicorn" in command:
            booted = sum(message.startswith("Booting worker") for message in messages)
            return booted > 0 and sum(message.startswith("Worker ready") for message in messages) >= booted
        if "celery" in command and " worker " in command:
            return any(message.endswith(" ready.") for message in messages)
        return bool(messages)

    def terminate(self) -> float:
        """Send SIGTERM (to honcho, which passes it on); the monotonic time it was sent."""
        sent = time.monotonic()
        os.kill(self.process.popen.pid, signal.SIGTERM)
        return sent

    def exited(self) -> bool:
        return self.process.popen.poll() is not None

    def stopped(self, sent: float, seconds: float) -> Stopped:
        """How it ended, `seconds` after the SIGTERM sent at `sent`; SIGKILL when it is still running."""
        killed = not self.exited()
        if killed:
            os.killpg(self.process.popen.pid, signal.SIGKILL)
        # honcho runs the process in a session of its own: make sure nothing of it outlives honcho.
        self.process.stop(timeout=5)
        return Stopped(self.process_type, seconds, self.process.popen.returncode, killed)


def wait_stopped(replicas: list[Replica], sent: dict[int, float]) -> list[Stopped]:
    """Watch replicas sent SIGTERM at `sent` (by id) end, each timed when it does, for STOP_LIMIT at most."""
    ended: dict[int, float] = {}
    deadline = max(sent.values(), default=0.0) + STOP_LIMIT
    while len(ended) < len(replicas) and time.monotonic() < deadline:
        for replica in replicas:
            if id(replica) not in ended and replica.exited():
                ended[id(replica)] = time.monotonic() - sent[id(replica)]
        time.sleep(0.02)  # the granularity of the measured exit times, not a wait for a condition
    return [replica.stopped(sent[id(replica)], ended.get(id(replica), STOP_LIMIT)) for replica in replicas]


@dataclass
class Replicas:
    """Starts, replaces and stops replicas of a released system's process types."""

    released: ReleasedSystem
    logs: Path
    running: list[Replica] = field(default_factory=list)
    started: dict[str, int] = field(default_factory=dict)

    def __enter__(self) -> Replicas:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop_all()

    def start(self, process_type: str, *, wait: bool = True) -> Replica:
        number = self.started.get(process_type, 0) + 1
        self.started[process_type] = number
        process = ManagedProcess(self.released.honcho("start", process_type), process_env(),
                                 log_path=self.logs / f"{process_type}-{number}.log")
        replica = Replica(process_type, number, process)
        self.running.append(replica)
        if wait:
            wait_until(replica.ready, timeout=90, what=f"{process_type} #{number} to be ready", interval=0.1)
        return replica

    def start_all(self) -> None:
        """Every long-running process type, one replica each: the provided ones first, as a platform's are
        there before the application starts."""
        for process_type in PROVIDED:
            self.start(process_type)
        for process_type in application_processes():
            self.start(process_type, wait=False)
        for replica in self.running:
            wait_until(replica.ready, timeout=90, what=f"{replica.process_type} to be ready", interval=0.1)

    def current(self, process_type: str) -> Replica:
        return next(replica for replica in reversed(self.running) if replica.process_type == process_type)

    def replace(self, old: Replica) -> tuple[Replica, Stopped]:
        """A rolling restart of one replica, as a platform does it: the new container is started and
        passes its readiness check; only then is the old one sent SIGTERM, and it drains and exits."""
        new = self.start(old.process_type)
        stopped = self.stop(old)
        return new, stopped

    def stop(self, replica: Replica) -> Stopped:
        return self.stop_all(replicas=[replica])[replica.process_type]

    def stop_all(self, process_types: list[str] | None = None, *,
                 replicas: list[Replica] | None = None) -> dict[str, Stopped]:
        """SIGTERM to every running replica (of `process_types`, or those given) at once, as when a platform
        stops an application; how each ended, by process type."""
        chosen = replicas if replicas is not None else [
            replica for replica in self.running if process_types is None or replica.process_type in process_types]
        sent = {id(replica): replica.terminate() for replica in chosen}
        ended = wait_stopped(chosen, sent)
        for replica in chosen:
            self.running.remove(replica)
        return {stopped.process_type: stopped for stopped in ended}


def _json(text: str) -> dict[str, Any]:
    with suppress(ValueError):
        parsed = json.loads(text)
        if isinstance(parsed, dict):
            return parsed
    return {"message": text}
