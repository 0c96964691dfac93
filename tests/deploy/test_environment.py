"""`.env.example` as data: each variable's description is the prose above it, and the variables it
documents but leaves unset (`# NAME=example`) are read apart, each with its own description."""

from __future__ import annotations

from pathlib import Path

from strangler_deploy.environment import read_documented, read_env_example

EXAMPLE = """\
# ---------------------------------------------------------------- proxy
# Route table path; empty means the shipped one.
# ROUTES_FILE=routes.toml
# Proxy worker processes.
PROXY_CONCURRENCY=1
# REQUIRED. Keys, comma-separated.
IDENTITY_SIGNING_KEYS=local-only
# Standard AWS settings, read by boto3.
AWS_DEFAULT_REGION=us-east-1
# AWS_ACCESS_KEY_ID=
# AWS_SECRET_ACCESS_KEY=

# HTTPS settings.
SECURE_SSL_REDIRECT=false
SECURE_HSTS_SECONDS=0
"""


def _write(tmp_path: Path) -> Path:
    path = tmp_path / ".env.example"
    path.write_text(EXAMPLE)
    return path


def test_a_variable_takes_the_prose_above_it_and_not_a_documented_line(tmp_path: Path) -> None:
    variables = {variable.name: variable for variable in read_env_example(_write(tmp_path))}
    assert list(variables) == ["PROXY_CONCURRENCY", "IDENTITY_SIGNING_KEYS", "AWS_DEFAULT_REGION",
                               "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"]
    assert variables["PROXY_CONCURRENCY"].description == "Proxy worker processes."
    assert variables["PROXY_CONCURRENCY"].section == "proxy"
    assert variables["IDENTITY_SIGNING_KEYS"].required and variables["IDENTITY_SIGNING_KEYS"].secret
    assert variables["SECURE_HSTS_SECONDS"].description == "HTTPS settings."  # one comment over two


def test_documented_variables_take_their_own_prose_or_the_one_they_stand_under(tmp_path: Path) -> None:
    documented = {variable.name: variable for variable in read_documented(_write(tmp_path))}
    assert list(documented) == ["ROUTES_FILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
    assert documented["ROUTES_FILE"].description == "Route table path; empty means the shipped one."
    assert documented["ROUTES_FILE"].local_default == "routes.toml"
    assert documented["AWS_SECRET_ACCESS_KEY"].description == "Standard AWS settings, read by boto3."
    assert documented["AWS_SECRET_ACCESS_KEY"].secret and not documented["AWS_SECRET_ACCESS_KEY"].required
