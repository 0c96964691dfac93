"""`./kit up`: exported variables win over .env, a busy port is refused before anything starts, and
each checkout gets a Redis of its own. Run against a copy of the launcher with the Procfile and
.env.example; where it would start honcho, a stand-in records what it was given."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from importlib.machinery import SourceFileLoader
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest

from chassis import devredis
from tests.support.processes import ROOT, process_env
from tests.support.waiting import free_port


def _load_kit() -> ModuleType:
    loader = SourceFileLoader("kit_launcher", str(ROOT / "kit"))
    spec = importlib.util.spec_from_loader("kit_launcher", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


kit = _load_kit()

HONCHO_STAND_IN = """\
import json, os, sys
with open(os.environ["KIT_TEST_RECORD"], "a") as record:
    record.write(json.dumps({"argv": sys.argv[1:], "env": dict(os.environ)}) + "\\n")
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A fresh clone as far as `./kit up` can tell: the launcher, the Procfile, .env.example, no .venv."""
    root = tmp_path / "clone"
    root.mkdir()
    for name in ("kit", "Procfile", ".env.example"):
        shutil.copy(ROOT / name, root / name)
    return root


@pytest.fixture
def free_ports() -> dict[str, str]:
    """Every port of the Procfile on a free port, and the URLs that reach them following."""
    ports = {name: str(free_port())
             for name in ("PORT", "MONOLITH_PORT", "CHECKOUT_PORT", "CATALOG_PORT", "CARD_SANDBOX_PORT")}
    monolith = f"http://127.0.0.1:{ports['MONOLITH_PORT']}"
    return {**ports, "MONOLITH_URL": monolith, "CATALOG_URL": monolith,
            "CHECKOUT_URL": f"http://127.0.0.1:{ports['CHECKOUT_PORT']}",
            "CATALOG_UPSTREAM_URL": f"http://127.0.0.1:{ports['CATALOG_PORT']}",
            "CARD_PROCESSOR_URL": f"http://127.0.0.1:{ports['CARD_SANDBOX_PORT']}",
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}


@pytest.fixture
def listening() -> Iterator[int]:
    """A port something else already listens on (and says nothing)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _kit_up(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    shell = {"PATH": os.environ["PATH"], "HOME": str(root.parent)}
    return subprocess.run([sys.executable, str(root / "kit"), "up", *args], env={**shell, **env},
                          capture_output=True, text=True, timeout=60)


def _install_honcho_stand_in(root: Path) -> Path:
    """A .venv that counts as installed, whose honcho only records its arguments and environment."""
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").touch()
    honcho = bin_dir / "honcho"
    honcho.write_text(f"#!{sys.executable}\n{HONCHO_STAND_IN}")
    honcho.chmod(0o755)
    for name in kit.INPUTS:
        (root / name).write_text(f"# {name} of the test clone\n")
    digest = kit.hashlib.sha256(b"".join((root / name).read_bytes() for name in kit.INPUTS)).hexdigest()
    (root / ".venv" / ".kit-installed").write_text(digest)
    return root / "honcho-calls.jsonl"


# ---------------------------------------------------------------- refusing before anything starts
def test_a_busy_port_is_named_before_anything_starts(checkout, free_ports, listening):
    completed = _kit_up(checkout, {**free_ports, "PORT": str(listening)})

    assert completed.returncode != 0
    assert f"port {listening} (PORT, the `web` process) is already in use" in completed.stderr
    assert "set PORT=" in completed.stderr
    assert "release phase" not in completed.stderr
    assert not (checkout / ".venv").exists(), "nothing may be installed or started before the refusal"


def test_a_busy_monolith_port_names_the_urls_that_follow_it(checkout, free_ports, listening):
    monolith = f"http://127.0.0.1:{listening}"
    completed = _kit_up(checkout, {**free_ports, "MONOLITH_PORT": str(listening), "MONOLITH_URL": monolith,
                                   "CATALOG_URL": monolith})

    assert completed.returncode != 0
    assert f"port {listening} (MONOLITH_PORT, the `monolith` process) is already in use" in completed.stderr
    assert "and MONOLITH_URL, CATALOG_URL to http://127.0.0.1:" in completed.stderr


def test_a_local_url_left_on_the_old_port_is_refused(free_ports):
    """The monolith moved to a free port, but the proxy would still reach whatever listens on the old one."""
    environ = {**free_ports, "MONOLITH_URL": "http://127.0.0.1:8001"}

    problems = kit.port_problems(environ, ["web", "monolith"], kit.procfile_commands(ROOT))

    assert problems == [f"MONOLITH_URL points at port 8001 but MONOLITH_PORT is {free_ports['MONOLITH_PORT']}: "
                        f"set MONOLITH_URL=http://127.0.0.1:{free_ports['MONOLITH_PORT']}, or it reaches "
                        "whatever else listens on 8001 (another checkout's process?)"]


def test_the_checkouts_catalogue_may_reach_the_monolith_or_the_catalogue_service(free_ports):
    """After the catalogue's writes move, CATALOG_URL points at the service; anywhere else is refused."""
    processes, commands = ["web", "monolith", "catalog"], kit.procfile_commands(ROOT)
    monolith, service = free_ports["MONOLITH_PORT"], free_ports["CATALOG_PORT"]
    at_service = {**free_ports, "CATALOG_URL": f"http://127.0.0.1:{service}"}
    elsewhere = {**free_ports, "CATALOG_URL": "http://127.0.0.1:8001"}

    assert kit.port_problems(at_service, processes, commands) == []
    assert kit.port_problems(elsewhere, processes, commands) == [
        f"CATALOG_URL points at port 8001 but MONOLITH_PORT is {monolith} or CATALOG_PORT is {service}: set "
        f"CATALOG_URL=http://127.0.0.1:{monolith}, or it reaches whatever else listens on 8001 (another "
        "checkout's process?)"]


def test_two_processes_on_one_port_are_refused(free_ports):
    port = free_ports["PORT"]
    environ = {**free_ports, "CHECKOUT_PORT": port, "CHECKOUT_URL": f"http://127.0.0.1:{port}"}

    problems = kit.port_problems(environ, ["web", "checkout"], kit.procfile_commands(ROOT))

    assert problems == [f"PORT and CHECKOUT_PORT are both port {port}: give each process its own"]


def test_a_redis_port_held_by_something_else_is_refused(free_ports, listening):
    environ = {**free_ports, "REDIS_URL": f"redis://127.0.0.1:{listening}/0"}

    problems = kit.port_problems(environ, ["redis"], kit.procfile_commands(ROOT))

    assert len(problems) == 1 and f"port {listening} (REDIS_URL, the `redis` process)" in problems[0]


def test_a_redis_already_answering_is_used_not_refused(free_ports, redis_server):
    environ = {**free_ports, "REDIS_URL": redis_server}

    assert kit.port_problems(environ, ["redis"], kit.procfile_commands(ROOT)) == []


def test_only_the_processes_started_are_checked(free_ports, listening):
    environ = {**free_ports, "CARD_SANDBOX_PORT": str(listening), "CARD_PROCESSOR_URL": "https://cards.example.com"}

    assert kit.port_problems(environ, ["web", "monolith", "checkoutworker"], kit.procfile_commands(ROOT)) == []


def test_a_port_that_is_not_a_number_is_named():
    problems = kit.port_problems({"PORT": "eighty"}, ["web"], kit.procfile_commands(ROOT))

    assert problems == ["PORT is 'eighty', not a port number"]


# ---------------------------------------------------------------- the environment
def test_exported_values_win_over_dotenv(checkout):
    (checkout / ".env").write_text("DATABASE_URL=sqlite:///.data/monolith.sqlite3\nLOG_LEVEL='DEBUG'\n")

    environ = kit.stack_environ(checkout, {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/concierge"})

    assert environ["DATABASE_URL"] == "postgres://postgres@127.0.0.1:5432/concierge"
    assert environ["LOG_LEVEL"] == "DEBUG"


def test_up_gives_honcho_the_merged_environment_and_no_env_file(checkout, free_ports, redis_server):
    record = _install_honcho_stand_in(checkout)
    shutil.copy(checkout / ".env.example", checkout / ".env")
    # A Redis that answers already: the kit starts none for the release (the stand-in .venv could not).
    exported = {**free_ports, "REDIS_URL": redis_server,
                "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/exported", "KIT_TEST_RECORD": str(record)}

    completed = _kit_up(checkout, exported)

    assert completed.returncode == 0, completed.stderr
    calls = [json.loads(line) for line in record.read_text().splitlines()]
    processes = [name for name in kit.procfile_commands(ROOT) if name != "release"]
    assert [call["argv"] for call in calls] == [["-e", os.devnull, "start", "release"],
                                                ["-e", os.devnull, "start", *processes]]
    assert all(call["env"]["DATABASE_URL"] == exported["DATABASE_URL"] for call in calls)
    assert all(call["env"]["SECRET_KEY"] == kit.read_env_file(checkout / ".env")["SECRET_KEY"] for call in calls)
    replaced = next(line for line in completed.stderr.splitlines() if "exported variables win over .env" in line)
    assert "DATABASE_URL" in replaced.split(": ", 2)[2].split(", ")
    open_line = f"kit: open http://localhost:{free_ports['PORT']} once the processes are up"
    assert open_line in completed.stderr


def test_the_url_to_open_is_printed_before_the_processes_start(checkout, free_ports):
    record = _install_honcho_stand_in(checkout)

    completed = _kit_up(checkout, {**free_ports, "KIT_TEST_RECORD": str(record)}, "web", "monolith")

    lines = completed.stderr.splitlines()
    assert lines.index(f"kit: open http://localhost:{free_ports['PORT']} once the processes are up") < \
        lines.index("kit: starting the processes of the Procfile; stop them all with Ctrl-C")
    assert json.loads(record.read_text().splitlines()[-1])["argv"] == ["-e", os.devnull, "start", "web", "monolith"]


def test_the_release_has_the_local_redis_it_is_to_start_and_it_stops_after(tmp_path):
    """The release's backfill tells the catalogue service's cache of the rows it copies: Redis must answer."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    environ = process_env(REDIS_URL=url, DEVREDIS_DIR=str(tmp_path))

    with kit.redis_for_the_release(environ, ["web", "redis"]):
        assert devredis.answers(url)

    assert not devredis.answers(url)


def test_no_redis_is_started_for_the_release_when_one_answers_or_none_is_to_run(redis_server):
    with kit.redis_for_the_release(process_env(REDIS_URL=redis_server), ["web", "redis"]):
        pass  # the one answering is used: nothing started, nothing stopped
    assert devredis.answers(redis_server)
    url = f"redis://127.0.0.1:{free_port()}/0"
    with kit.redis_for_the_release(process_env(REDIS_URL=url), ["web", "monolith"]):
        assert not devredis.answers(url)


# ---------------------------------------------------------------- one Redis per checkout
def test_two_checkouts_get_redis_urls_of_their_own(tmp_path, checkout):
    other = tmp_path / "other-clone"
    shutil.copytree(checkout, other)

    mine, theirs = kit.stack_environ(checkout, {})["REDIS_URL"], kit.stack_environ(other, {})["REDIS_URL"]

    assert mine != theirs
    assert mine == kit.stack_environ(checkout, {})["REDIS_URL"], "a checkout keeps its Redis from run to run"
    for url in (mine, theirs):
        parts = urlsplit(url)
        assert parts.hostname == "127.0.0.1" and parts.port in kit.CHECKOUT_REDIS_PORTS


def test_a_redis_url_of_ones_own_is_kept(checkout):
    (checkout / ".env").write_text("REDIS_URL=redis://127.0.0.1:6379/3\n")
    assert kit.stack_environ(checkout, {})["REDIS_URL"] == "redis://127.0.0.1:6379/3"

    exported_example = kit.read_env_file(checkout / ".env.example")["REDIS_URL"]
    assert kit.stack_environ(checkout, {"REDIS_URL": exported_example})["REDIS_URL"] == exported_example


def test_a_new_env_file_names_the_checkout_s_own_redis_for_every_tool_that_reads_it(checkout):
    kit.create_env_file(checkout)
    dotenv = kit.read_env_file(checkout / ".env")
    example = kit.read_env_file(checkout / ".env.example")
    assert dotenv["REDIS_URL"] == kit.checkout_redis_url(checkout) != example["REDIS_URL"]
    assert {name: value for name, value in dotenv.items() if name != "REDIS_URL"} == {
        name: value for name, value in example.items() if name != "REDIS_URL"}
    assert kit.stack_environ(checkout, {})["REDIS_URL"] == dotenv["REDIS_URL"]
