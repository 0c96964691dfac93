"""`strangler export nginx` as a person runs it: the table in force printed or written, and every way it
cannot be read refused with exit 1 and what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from strangler_proxy.configuration.loader import load_route_table
from strangler_proxy.control import state
from strangler_proxy.control.store import STATE_KEY, VERSION_KEY, ControlStore
from tests.strangler_proxy.export.nginx_process import check_config
from tests.strangler_proxy.export.tables import MOVING

URLS = {"EXPORT_MONOLITH_URL": "http://127.0.0.1:8000", "EXPORT_CHECKOUT_URL": "http://127.0.0.1:8001",
        "EXPORT_BETA_URL": "http://127.0.0.1:8002"}
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def routes(tmp_path: Path) -> Path:
    path = tmp_path / "routes.toml"
    path.write_text(MOVING)
    return path


@pytest.fixture
def canary_live(redis_client: redis.Redis, routes: Path) -> Iterator[None]:
    """export-moving is a canary at 10 % to beta, live in Redis."""
    store = ControlStore(redis_client, load_route_table(routes, URLS))
    store.change("export-moving", "canary", lambda now: state.canary(now, candidate="beta", percent=10),
                 reason="export cli", by="tests")
    yield
    redis_client.hdel(STATE_KEY, "export-moving")
    redis_client.incr(VERSION_KEY)


def export(*arguments: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "ROUTES_FILE"} | URLS | environ
    return subprocess.run([sys.executable, "-m", "strangler_proxy.cli", "export", "nginx", *arguments], env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_it_prints_the_table_in_force_with_its_live_states(canary_live: None, routes: Path):
    run = export("--routes", str(routes))

    assert run.returncode == 0, run.stderr
    assert "upstream strangler_beta {" in run.stdout
    assert "10% beta;  # route 'export-moving'" in run.stdout
    assert "with the live states in Redis at" in run.stdout and "(export-moving changed)" in run.stdout
    assert "nginx will not reproduce: route 'export-moving' is a canary (10 % to 'beta')" in run.stderr


def test_out_writes_a_whole_nginx_conf_that_nginx_accepts(nginx: str, routes: Path, tmp_path: Path):
    out = tmp_path / "nginx.conf"

    run = export("--routes", str(routes), "--out", str(out), "--standalone", "--listen", "127.0.0.1:8080",
                 "--file-only")

    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"wrote {out}: 2 routes from {routes}")
    checked = check_config(nginx, out.read_text(), tmp_path / "prefix")
    assert checked.returncode == 0, checked.stderr


def test_an_invalid_table_exits_1_with_every_error(routes: Path):
    routes.write_text(MOVING.replace('upstream = "monolith"\n', 'upstream = "nowhere"\n', 1))

    run = export("--routes", str(routes), "--file-only", EXPORT_BETA_URL="")

    assert run.returncode == 1 and run.stdout == ""
    assert "is invalid (2 errors)" in run.stderr
    assert "names upstream 'nowhere'" in run.stderr and "EXPORT_BETA_URL is empty" in run.stderr


@pytest.mark.parametrize("redis_url, problem", [
    (UNREACHABLE_REDIS, "cannot read the live route states from Redis at redis://127.0.0.1:1/0"),
    ("", "REDIS_URL is not set, so the live route states cannot be read"),
])
def test_live_states_that_cannot_be_read_exit_1_instead_of_exporting_the_file_alone(
        routes: Path, redis_url: str, problem: str):
    run = export("--routes", str(routes), REDIS_URL=redis_url)

    assert run.returncode == 1 and run.stdout == ""
    assert problem in run.stderr and "or pass --file-only to export the file's table alone" in run.stderr


def test_file_only_exports_the_files_table_without_asking_redis(routes: Path):
    run = export("--routes", str(routes), "--file-only", REDIS_URL=UNREACHABLE_REDIS)

    assert run.returncode == 0, run.stderr
    assert "# Route states: the file's alone (live states in Redis not read)." in run.stdout
    assert "location = /moving { rewrite ^ /_strangler/route/export-moving/monolith last; }" in run.stdout
    assert run.stderr == ""


def test_a_listen_address_that_could_end_the_directive_is_refused(routes: Path):
    run = export("--routes", str(routes), "--file-only", "--listen", "80; include /etc/passwd")

    assert run.returncode == 2 and "give a port, host:port or [v6]:port" in run.stderr
