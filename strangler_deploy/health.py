"""A container's health check for one process type of the Procfile: `python -m strangler_deploy.health NAME`.

One image runs every process, so the check depends on the process: a web process (or a local stand-in
serving HTTP) must answer 200 on its health path at the port its variable names; a Celery worker must
answer a ping on the broker under its own node name. Exit status 0 when healthy, 1 when not, 2 when the
process type has no check (Celery beat, the release phase): a platform should not configure one there.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from strangler_deploy.procfile import Process, read_procfile

# `celery ... -A extracted.checkout.celery_app worker`: the app a worker runs, to ping it by its node name.
_CELERY_WORKER = re.compile(r"\bcelery\b.*?(?:-A|--app)[ =](\S+).*\bworker\b")
TIMEOUT_SECONDS = 5


class NoHealthCheck(Exception):
    """The process type has no health check (it serves nothing and answers nothing)."""


def check_command(process: Process, environ: Mapping[str, str], timeout: int = TIMEOUT_SECONDS) -> list[str] | str:
    """The URL to GET for an HTTP process, else the command that pings a Celery worker."""
    if process.health_path is not None and process.bound_port_variable is not None:
        port = environ.get(process.bound_port_variable, "")
        if not port.isdigit():
            raise NoHealthCheck(f"{process.bound_port_variable} is {port!r}, not a port number")
        return f"http://127.0.0.1:{port}{process.health_path}"
    worker = _CELERY_WORKER.search(process.command)
    if worker is None:
        raise NoHealthCheck(f"{process.name} ({process.kind.value}) serves no HTTP and is no Celery worker")
    # A worker started without -n is named celery@<hostname>; --destination pings only this container's.
    return ["celery", "-A", worker.group(1), "inspect", "ping", "--timeout", str(timeout),
            "--destination", f"celery@{socket.gethostname()}"]


def healthy(check: list[str] | str, timeout: int = TIMEOUT_SECONDS) -> tuple[bool, str]:
    if isinstance(check, str):
        try:
            with urllib.request.urlopen(check, timeout=timeout) as response:
                return response.status == 200, f"{check}: {response.status}"
        except (urllib.error.URLError, OSError) as error:
            return False, f"{check}: {error}"
    try:
        # The ping's own timeout bounds the wait for an answer; starting Celery and the app takes the rest.
        completed = subprocess.run(check, capture_output=True, text=True, timeout=timeout + 30)
    except subprocess.TimeoutExpired:
        return False, f"{' '.join(check)}: no answer within {timeout + 30} s"
    return completed.returncode == 0, (completed.stdout + completed.stderr).strip()


def main(argv: list[str], environ: Mapping[str, str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m strangler_deploy.health",
                                     description="Exit 0 when the process type is healthy, 1 when not, 2 when it has no check.")
    parser.add_argument("process", help="a process type of the Procfile")
    parser.add_argument("--timeout", type=int, default=TIMEOUT_SECONDS, help="seconds to wait for an answer")
    arguments = parser.parse_args(argv)
    procfile = Path("Procfile")  # the image's working directory, as the entrypoint's
    process = next((process for process in read_procfile(procfile) if process.name == arguments.process), None)
    if process is None:
        print(f"no process type {arguments.process!r} in {procfile}")  # the platform keeps the probe's output
        return 2
    try:
        ok, said = healthy(check_command(process, environ, arguments.timeout), arguments.timeout)
    except NoHealthCheck as error:
        print(f"no health check: {error}")
        return 2
    print(said)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
