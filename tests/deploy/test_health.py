"""`python -m strangler_deploy.health PROCESS`, the per-process container health check: healthy while the
process answers on the port its Procfile line binds, unhealthy once it is gone, and no check at all for a
process that serves nothing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from chassis import devredis
from devstack.card_processor import running_card_processor
from devstack.checkout import wait_until_ready
from strangler_deploy.health import NoHealthCheck, check_command
from strangler_deploy.procfile import read_procfile
from tests.support.processes import ROOT, ManagedProcess, process_env
from tests.support.waiting import free_port, wait_until

PROCESSES = {process.name: process for process in read_procfile(ROOT / "Procfile")}


def _probe(name: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "strangler_deploy.health", name], cwd=ROOT, capture_output=True,
                          text=True, timeout=30, env={"PATH": os.environ["PATH"], **env})


def test_probe_passes_while_the_card_processor_answers_and_fails_once_it_stopped(tmp_path: Path) -> None:
    """The real sandbox, started as the test stack starts it, probed through the Procfile's port variable."""
    with running_card_processor(tmp_path) as sandbox:
        port = sandbox.base_url.rsplit(":", 1)[1]
        up = _probe("cardprocessor", CARD_SANDBOX_PORT=port)
        assert (up.returncode, up.stdout.strip()) == (0, f"http://127.0.0.1:{port}/_sandbox/healthz: 200")
    down = _probe("cardprocessor", CARD_SANDBOX_PORT=port)
    assert down.returncode == 1 and "Connection refused" in down.stdout


def test_probe_pings_a_celery_worker_started_by_the_image_entrypoint_and_fails_once_it_stopped(tmp_path: Path) -> None:
    """The checkout's saga worker, started from its Procfile line by docker/entrypoint.sh, on a Redis of its
    own (a worker elsewhere on this host has the same node name and must not answer for it)."""
    port = free_port()
    server = devredis.start(port, workdir=str(tmp_path))
    url = f"redis://127.0.0.1:{port}/0"
    env = process_env(ENVIRONMENT="development", SECRET_KEY="insecure-local-only-deploy-health-tests",
                      READ_DOT_ENV="false", REDIS_URL=url, IDENTITY_SIGNING_KEYS="deploy-health-tests-signing-key",
                      CHECKOUT_DATABASE_URL=f"sqlite:///{tmp_path / 'checkout.sqlite3'}",
                      CARD_PROCESSOR_URL="http://127.0.0.1:9", CATALOG_URL="http://127.0.0.1:9",
                      CHECKOUT_WORKER_CONCURRENCY="2", LOG_LEVEL="INFO")
    try:
        wait_until(lambda: devredis.answers(url), timeout=10, what=f"redis at {url}")
        worker = ManagedProcess([str(ROOT / "docker" / "entrypoint.sh"), "checkoutworker"], env)
        try:
            wait_until_ready(worker)
            up = subprocess.run([sys.executable, "-m", "strangler_deploy.health", "checkoutworker"], cwd=ROOT,
                                capture_output=True, text=True, timeout=30, env=env)
            assert up.returncode == 0 and "pong" in up.stdout, up.stdout + up.stderr
        finally:
            assert worker.stop() == 0
        down = subprocess.run([sys.executable, "-m", "strangler_deploy.health", "checkoutworker", "--timeout", "1"], cwd=ROOT,
                              capture_output=True, text=True, timeout=30, env=env)
        assert down.returncode == 1 and "No nodes replied" in down.stdout
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_probe_fails_when_the_port_answers_something_other_than_http(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = str(listener.getsockname()[1])
        probed = subprocess.Popen([sys.executable, "-m", "strangler_deploy.health", "monolith"], cwd=ROOT,
                                  stdout=subprocess.PIPE, text=True, env={"PATH": os.environ["PATH"], "MONOLITH_PORT": port})
        connection, _ = listener.accept()
        connection.sendall(b"not http\r\n\r\n")
        connection.close()
        assert probed.wait(timeout=30) == 1


def test_web_processes_are_probed_on_their_own_port_and_health_path() -> None:
    environ = {"PORT": "8000", "MONOLITH_PORT": "8001", "CHECKOUT_PORT": "8010"}
    assert check_command(PROCESSES["web"], environ) == "http://127.0.0.1:8000/_strangler/healthz"
    assert check_command(PROCESSES["monolith"], environ) == "http://127.0.0.1:8001/healthz"
    assert check_command(PROCESSES["checkout"], environ) == "http://127.0.0.1:8010/healthz"


def test_celery_workers_are_pinged_under_their_own_node_name() -> None:
    command = check_command(PROCESSES["checkoutworker"], {})
    assert isinstance(command, list)
    assert command[:4] == ["celery", "-A", "extracted.checkout.celery_app", "inspect"]
    assert command[-2:] == ["--destination", f"celery@{socket.gethostname()}"]


def test_beat_and_release_have_no_check_and_say_so() -> None:
    for name in ("checkoutbeat", "release"):
        try:
            check_command(PROCESSES[name], {})
        except NoHealthCheck as error:
            assert name in str(error)
        else:
            raise AssertionError(f"{name} got a health check")
    refused = _probe("checkoutbeat")
    assert refused.returncode == 2 and "no health check" in refused.stdout
    unknown = _probe("nosuchprocess")
    assert unknown.returncode == 2 and "no process type 'nosuchprocess'" in unknown.stdout
