"""The servers under test: each started in its own process group, its output in a log file, stopped whole.

    Server                     one started process (and its children) with a name, a log and a URL
    ServerFailedError          a server exited, or did not answer in time; carries the tail of its log
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


class ServerFailedError(RuntimeError):
    """A server exited or did not answer in time; the message ends with the tail of its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_procfile(path: Path) -> dict[str, str]:
    """Process name -> command, as honcho reads a Procfile."""
    processes = {}
    for line in path.read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() and not name.lstrip().startswith("#"):
            processes[name.strip()] = command.strip()
    return processes


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env-style file; comments and blank lines skipped, quotes stripped."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def base_env(overrides: Mapping[str, str]) -> dict[str, str]:
    """What honcho would give a process on a fresh checkout: .env.example's local values, this shell's
    environment over them, then `overrides`; the venv first on PATH."""
    environment = read_dotenv(ROOT / ".env.example")
    environment.update(os.environ)
    # A test run's settings module must not leak into a real process: each entry point sets its own.
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment["PATH"] = f"{VENV_BIN}{os.pathsep}{environment.get('PATH', '')}"
    environment["PYTHONUNBUFFERED"] = "1"
    environment.update(overrides)
    return environment


class Server:
    """A started process group: `pid` is its leader, whose descendants count as part of the server."""

    def __init__(self, name: str, command: str | Sequence[str], *, env: Mapping[str, str], log: Path,
                 url: str = "", shell: bool = False) -> None:
        self.name = name
        self.url = url
        self.log = log
        self._command, self._env, self._shell = command, dict(env), shell
        self._log_file = log.open("ab")
        self.popen = self._spawn()

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self._command, cwd=ROOT, env=self._env, shell=self._shell, stdin=subprocess.DEVNULL,
                                stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def restart(self) -> None:
        """Start the same command again, after making sure nothing of the old process group is left."""
        self.stop(timeout=10, close_log=False)
        self.popen = self._spawn()

    def log_tail(self, lines: int = 12, width: int = 2000) -> str:
        try:
            return "\n".join(line[:width] for line in self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def failed(self, why: str) -> ServerFailedError:
        return ServerFailedError(f"{self.name}: {why}; the end of {self.log}:\n{self.log_tail()}")

    def wait_for(self, path: str, *, timeout: float = 60, status: int = 200) -> None:
        """Poll GET `path` until it answers `status`; fail early if the process exits."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise self.failed(f"exited with {self.popen.returncode} before answering")
            answered = http_status(self.url + path)
            if answered == status:
                return
            if answered == 500:  # a bug, not a server still starting: waiting will not help
                raise self.failed(f"GET {path} answered 500")
            last = f"answered {answered}" if answered else "no answer"
            time.sleep(0.1)
        raise self.failed(f"GET {path} did not answer {status} within {timeout:.0f} s ({last})")

    def stop(self, timeout: float = 30, *, close_log: bool = True) -> None:
        """SIGTERM the whole process group, then SIGKILL what is left after `timeout` seconds."""
        if self.popen.poll() is None:
            _signal_group(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.pid, signal.SIGKILL)
                self.popen.wait()
        # The leader may be gone while a child it started still runs in the group.
        _signal_group(self.pid, signal.SIGKILL)
        if close_log:
            self._log_file.close()


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def http_status(url: str, timeout: float = 2) -> int | None:
    """The status of GET `url`, or None when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):
        return None


def http_body(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def run_once(name: str, command: str, *, env: Mapping[str, str], log: Path, timeout: float = 300) -> None:
    """Run a one-off command (the release phase) through sh; fail with its output if it fails."""
    with log.open("ab") as out:
        completed = subprocess.run(command, cwd=ROOT, env=dict(env), shell=True, stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
    if completed.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise ServerFailedError(f"{name} ({command}) exited with {completed.returncode}:\n{tail}")
