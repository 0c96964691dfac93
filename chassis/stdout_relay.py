"""Text written straight to the stdout descriptor, past logging, turned into JSON lines like the rest.

Celery's worker prints its shutdown notices ("worker: Warm shutdown (MainProcess)") from its signal
handlers with `os.write` on descriptor 1, past logging and `sys.stdout`, and nothing public turns them
off or sends them elsewhere. So a worker process owns its descriptor 1 instead: `relay_stdout()` puts a
pipe there and a thread that copies each line to the real stdout, unchanged when it is a JSON object
already and as a JSON log line naming `logger` when it is not; blank lines are dropped. Processes forked
afterwards (a prefork pool's children) write into the same pipe. At exit the real stdout is put back and
what the pipe still holds is copied first.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import threading

from chassis.logging import json_line

_DRAIN_SECONDS = 2.0
_lock = threading.Lock()
_relaying = False


def relay_stdout(*, service: str, logger: str) -> None:
    """Relay this process's descriptor 1 as JSON lines from now on (once per process; later calls do nothing)."""
    global _relaying
    with _lock:
        if _relaying:
            return
        _relaying = True
        sys.stdout.flush()
        real_stdout = os.dup(1)
        read_end, write_end = os.pipe()
        os.dup2(write_end, 1)
        os.close(write_end)
        copier = threading.Thread(target=_copy, args=(read_end, real_stdout, service, logger),
                                  name="chassis-stdout-relay", daemon=True)
        copier.start()
        atexit.register(_give_back, real_stdout, copier)


def as_json_line(line: str, *, service: str, logger: str) -> str | None:
    """`line` as a JSON log line: itself when it is one already, None when it is blank."""
    text = line.rstrip("\r\n")
    if not text.strip():
        return None
    if text.startswith("{"):
        try:
            if isinstance(json.loads(text), dict):
                return text
        except ValueError:
            pass
    return json_line(service, logger, text.strip())


def _copy(read_end: int, real_stdout: int, service: str, logger: str) -> None:
    with os.fdopen(read_end, "rb") as pipe:
        for raw in pipe:
            line = as_json_line(raw.decode("utf-8", "replace"), service=service, logger=logger)
            if line is not None:
                _write_all(real_stdout, (line + "\n").encode())


def _write_all(descriptor: int, data: bytes) -> None:
    while data:
        data = data[os.write(descriptor, data):]


def _give_back(real_stdout: int, copier: threading.Thread) -> None:
    sys.stdout.flush()
    os.dup2(real_stdout, 1)  # the pipe's last write end in this process closes: the copier reaches its end
    copier.join(timeout=_DRAIN_SECONDS)
