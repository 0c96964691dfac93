"""docker/compose.yml against the Procfile and .env.example, without a Docker engine: the committed file
is what they render, every process and variable is there (or left out with a reason), and the services'
health checks and start order hold together."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from strangler_deploy.compose import (
    COMPOSE_FILE,
    IMAGE,
    LEFT_OUT,
    POSTGRES_INIT_FILE,
    database_name,
    render_compose,
    replaced_by,
)
from strangler_deploy.environment import read_documented, read_env_example
from strangler_deploy.procfile import Kind, read_procfile
from tests.support.processes import ROOT

PROCESSES = read_procfile(ROOT / "Procfile")
VARIABLES = read_env_example(ROOT / ".env.example")
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "docker" / COMPOSE_FILE).read_text())
    assert isinstance(document, dict)
    return document


def test_committed_compose_files_are_what_the_procfile_and_env_example_render() -> None:
    rendered = render_compose(PROCESSES, VARIABLES)
    for name, text in rendered.items():
        committed = (ROOT / "docker" / name).read_text()
        assert committed == text, f"docker/{name} is stale: run `strangler deploy compose render`"


def test_every_procfile_process_is_a_service_running_its_own_procfile_line(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for process in PROCESSES:
        stand_in = replaced_by(process)
        if stand_in is not None:
            assert services[stand_in]["image"].split(":")[0] == stand_in  # the official image, not ours
            continue
        service = services[process.name]
        # The image's entrypoint runs the Procfile line of the process type it is given (test_image.py).
        assert (service["image"], service["command"]) == (IMAGE, [process.name])
        assert service["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}
        assert (ROOT / "docker" / service["build"]["context"] / service["build"]["dockerfile"]).is_file()


def test_every_env_example_variable_is_wired_or_left_out_with_a_reason(compose: dict[str, Any]) -> None:
    environment = compose["x-environment"]
    names = [variable.name for variable in VARIABLES]
    for name in names:
        assert name in environment or LEFT_OUT.get(name), f"{name} is neither wired nor left out with a reason"
    assert set(LEFT_OUT) <= set(names), "a reason for a variable .env.example no longer has"
    assert not set(LEFT_OUT) & set(environment)
    # Every ${NAME} compose interpolates is a variable of .env.example, so the shell can set it.
    interpolated = {name for value in environment.values() for name in re.findall(r"\$\{(\w+)", str(value))}
    assert interpolated and interpolated <= set(names)


def test_documented_but_unset_variables_stay_unset_in_the_stack(compose: dict[str, Any]) -> None:
    documented = {variable.name for variable in read_documented(ROOT / ".env.example")}
    assert "CELERY_BROKER_URL" in documented and not documented & set(compose["x-environment"])


def test_every_service_of_the_image_gets_the_one_environment(compose: dict[str, Any]) -> None:
    ours = [service for service in compose["services"].values() if service["image"] == IMAGE]
    assert len(ours) == len([p for p in PROCESSES if replaced_by(p) is None])
    assert all(service["environment"] == compose["x-environment"] for service in ours)


def test_release_runs_once_before_every_process_that_deploys(compose: dict[str, Any]) -> None:
    services = compose["services"]
    release = services["release"]
    assert release["restart"] == "no" and "healthcheck" not in release
    assert {name: dep["condition"] for name, dep in release["depends_on"].items()} == {
        "postgres": "service_healthy", "redis": "service_healthy"}
    for process in PROCESSES:
        if process.kind in (Kind.WEB, Kind.WORKER, Kind.SCHEDULER):
            assert services[process.name]["depends_on"]["release"] == {
                "condition": "service_completed_successfully"}, process.name


def test_long_running_services_restart_and_get_longer_to_stop_than_gunicorn_drains(compose: dict[str, Any]) -> None:
    for process in PROCESSES:
        if replaced_by(process) is None and process.kind is not Kind.RELEASE:
            service = compose["services"][process.name]
            assert service["restart"] == "unless-stopped"
            assert int(service["stop_grace_period"].removesuffix("s")) > 25  # chassis.gunicorn_conf's graceful_timeout


def test_depends_on_names_services_that_exist_with_valid_conditions(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        for needed, dependency in service.get("depends_on", {}).items():
            assert needed in services and needed != name
            assert dependency["condition"] in CONDITIONS
            if dependency["condition"] == "service_healthy":
                assert "healthcheck" in services[needed], f"{name} waits for {needed} to be healthy, which has no check"


def test_every_http_process_and_celery_worker_has_its_own_health_check(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for process in PROCESSES:
        if replaced_by(process) is not None or process.kind in (Kind.RELEASE, Kind.SCHEDULER):
            continue
        checks = process.health_path is not None or " celery " in f" {process.command} "
        if checks:
            test = services[process.name]["healthcheck"]["test"]
            assert test == ["CMD", "python", "-m", "strangler_deploy.health", process.name]
    assert services["postgres"]["healthcheck"]["test"][1] == "pg_isready"
    assert services["redis"]["healthcheck"]["test"][1:] == ["redis-cli", "ping"]


def test_the_front_door_opens_after_every_service_behind_it(compose: dict[str, Any]) -> None:
    web = compose["services"]["web"]
    port = next(v.local_default for v in VARIABLES if v.name == "PORT")
    assert web["ports"] == [f"{port}:{port}"]
    others = {p.name for p in PROCESSES if p.kind is Kind.WEB and p.name != "web"}
    assert others and all(web["depends_on"][name]["condition"] == "service_healthy" for name in others)
    assert all("ports" not in service for name, service in compose["services"].items() if name != "web")


def test_urls_point_at_the_services_that_serve_them(compose: dict[str, Any]) -> None:
    environment, services = compose["x-environment"], compose["services"]
    ports = {p.name: environment[p.bound_port_variable] for p in PROCESSES
             if p.bound_port_variable and p.name in services}
    urls = {name: re.sub(r"^\$\{\w+:-(.*)\}$", r"\1", value) for name, value in environment.items()
            if name.endswith("_URL") and not name.endswith("DATABASE_URL") and name != "REDIS_URL"
            and value != f"${{{name}:-}}"}  # empty: a switch left off (CATALOG_SERVICE_URL)
    assert urls
    for name, url in urls.items():
        matched = re.fullmatch(r"https?://([\w-]+):(\d+)/?", url)
        assert matched, f"{name}={url} names no service and port"
        host, port = matched.groups()
        assert ports.get(host) == port, f"{name}={url}: no service {host} binds {port}"
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert environment["BIND_HOST"] == "0.0.0.0"


def test_one_database_per_database_url_and_each_created_at_first_start(compose: dict[str, Any]) -> None:
    environment = compose["x-environment"]
    created = re.findall(r'CREATE DATABASE "(\w+)";', (ROOT / "docker" / POSTGRES_INIT_FILE).read_text())
    urls = {name: value for name, value in environment.items() if name.endswith("DATABASE_URL")}
    assert len(urls) >= 3 and len(set(urls.values())) == len(urls)
    for name, url in urls.items():
        assert url == f"postgres://postgres:postgres@postgres:5432/{database_name(name)}"
    assert sorted(created) == sorted(database_name(name) for name in urls)
    mount = f"./{POSTGRES_INIT_FILE}:/docker-entrypoint-initdb.d/{POSTGRES_INIT_FILE}:ro"
    assert mount in compose["services"]["postgres"]["volumes"]


def test_a_new_process_and_its_database_appear_without_editing_the_renderer(tmp_path: Path) -> None:
    """A Procfile and .env.example with one more service (web, worker and database), as an extraction adds."""
    procfile = tmp_path / "Procfile"
    procfile.write_text((ROOT / "Procfile").read_text()
                        + "search: PORT=$SEARCH_PORT SERVICE_NAME=search DATABASE_URL=$SEARCH_DATABASE_URL exec "
                          "gunicorn -c python:chassis.gunicorn_conf extracted.search.wsgi\n"
                          "searchrelay: SERVICE_NAME=search exec python -m extracted.search.relay\n")
    env_example = tmp_path / ".env.example"
    env_example.write_text((ROOT / ".env.example").read_text()
                           + "# ---------------------------------------------------------------- search\n"
                             "# Port of the search service.\nSEARCH_PORT=8030\nSEARCH_URL=http://127.0.0.1:8030\n"
                             "# REQUIRED. Its database.\nSEARCH_DATABASE_URL=sqlite:///.data/search.sqlite3\n")
    rendered = render_compose(read_procfile(procfile), read_env_example(env_example))
    document = yaml.safe_load(rendered[COMPOSE_FILE])
    search = document["services"]["search"]
    assert search["command"] == ["search"] and search["healthcheck"]["test"][-1] == "search"
    assert document["services"]["searchrelay"]["command"] == ["searchrelay"]
    assert "healthcheck" not in document["services"]["searchrelay"]  # neither HTTP nor a Celery worker
    assert document["services"]["web"]["depends_on"]["search"] == {"condition": "service_healthy"}
    assert document["x-environment"]["SEARCH_URL"] == "http://search:8030"
    assert document["x-environment"]["SEARCH_DATABASE_URL"].endswith("/search")
    assert 'CREATE DATABASE "search";' in rendered[POSTGRES_INIT_FILE]
