"""Real processes: start one, collect its output, wait until it answers, stop it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import requests

from devstack.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def process_env(**overrides: str) -> dict[str, str]:
    """This process's environment with the venv first on PATH, plus `overrides`."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    # A test run's settings module sets test defaults; a real process must read only its environment.
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(overrides)
    return env


class ManagedProcess:
    """A child process whose combined output is collected line by line as it runs.

    With `log_path`, every line is also written to that file as it comes, so the output outlives the
    run (pytest keeps the last runs' tmp_path) and a failure can show it (`log_tails`).
    """

    def __init__(self, command: Sequence[str], env: dict[str, str], *, shell: bool = False,
                 log_path: Path | None = None) -> None:
        self.lines: list[str] = []
        self.log_path = log_path
        self._lock = threading.Lock()
        self.popen = subprocess.Popen(
            command if not shell else " ".join(command), cwd=ROOT, env=env, shell=shell, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        log = _open_log(self.log_path)
        try:
            for line in self.popen.stdout:
                with self._lock:
                    self.lines.append(line.rstrip("\n"))
                if log is not None:
                    log.write(line)
        finally:
            if log is not None:
                log.close()

    def output(self) -> list[str]:
        with self._lock:
            return list(self.lines)

    def json_lines(self) -> list[dict]:
        """Every output line parsed as JSON; fails naming the first line that is not."""
        parsed = []
        for line in self.output():
            try:
                parsed.append(json.loads(line))
            except json.JSONDecodeError:
                raise AssertionError(f"not a JSON line: {line!r}") from None
        return parsed

    def wait_for_http(self, url: str, *, timeout: float = 30) -> None:
        def up() -> bool:
            if self.popen.poll() is not None:
                raise AssertionError(f"process exited early ({self.popen.returncode}):\n" + "\n".join(self.output()))
            return requests.get(url, timeout=1).status_code < 500

        wait_until(up, timeout=timeout, what=url)

    def stop(self, *, timeout: float = 30) -> int:
        """SIGTERM the whole process group and wait; returns the exit code."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        self._reader.join(timeout=5)
        return self.popen.returncode

    def finish(self, *, timeout: float = 30) -> int:
        """Wait for a process that ends by itself."""
        self.popen.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return self.popen.returncode


def _open_log(path: Path | None) -> TextIO | None:
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("a", buffering=1, encoding="utf-8")  # line-buffered: a killed run leaves whole lines


def log_tails(folder: Path, *, lines: int = 80) -> dict[str, str]:
    """The last `lines` lines of every `*.log` under `folder`, by file name: what a failure shows."""
    tails = {}
    for path in sorted(folder.glob("*.log")):
        tails[path.name] = "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    return tails
