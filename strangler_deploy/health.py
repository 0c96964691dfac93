"""A container's health check for one process type of the Procfile: `python -m strangler_deploy.health NAME`.

One image runs every process, so the check depends on the process: a web process (or a local stand-in
serving HTTP) must answer 200 on its health path at the port its variable names; a Celery worker must
answer a ping on the broker under its own node name. Exit status 0 when healthy, 1 when not, 2 when the
process type has no check (Celery beat, the release phase): a platform should not configure one there.
"""

from __future__ import annotations

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
TIMEOUT_SECONDS = 5.0


class NoHealthCheck(Exception):
    """The process type has no health check (it serves nothing and answers nothing)."""


def check_command(process: Process, environ: Mapping[str, str]) -> list[str] | str:
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
    return ["celery", "-A", worker.group(1), "inspect", "ping", "--timeout", str(int(TIMEOUT_SECONDS)),
            "--destination", f"celery@{socket.gethostname()}"]


def healthy(check: list[str] | str) -> tuple[bool, str]:
    if isinstance(check, str):
        try:
            with urllib.request.urlopen(check, timeout=TIMEOUT_SECONDS) as response:
                return response.status == 200, f"{check}: {response.status}"
        except (urllib.error.URLError, OSError) as error:
            return False, f"{check}: {error}"
    completed = subprocess.run(check, capture_output=True, text=True, timeout=TIMEOUT_SECONDS * 3)
    return completed.returncode == 0, (completed.stdout + completed.stderr).strip()


def main(argv: list[str], environ: Mapping[str, str]) -> int:
    if len(argv) != 1:
        print("usage: python -m strangler_deploy.health PROCESS", file=sys.stderr)
        return 2
    procfile = Path("Procfile")  # the image's working directory, as the entrypoint's
    process = next((process for process in read_procfile(procfile) if process.name == argv[0]), None)
    if process is None:
        print(f"no process type {argv[0]!r} in {procfile}", file=sys.stderr)
        return 2
    try:
        ok, said = healthy(check_command(process, environ))
    except NoHealthCheck as error:
        print(f"no health check: {error}", file=sys.stderr)
        return 2
    print(said)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
