"""The catalogue service as a deployable: health, its OpenAPI description, and misconfiguration at start-up."""

from __future__ import annotations

import requests

from devstack.catalog import PYTHON
from devstack.processes import ManagedProcess


def test_health_and_readiness_answer(catalog):
    assert requests.get(f"{catalog.url}/healthz", timeout=5).json() == {"status": "ok"}
    ready = requests.get(f"{catalog.url}/readyz", timeout=5).json()
    assert ready["checks"] == {"database": "ok", "redis": "ok"}


def test_the_openapi_description_names_every_operation(catalog):
    schema = requests.get(f"{catalog.url}/v1/schema", timeout=10).json()
    operations = {op["operationId"] for methods in schema["paths"].values() for op in methods.values()}
    assert schema["openapi"].startswith("3.")
    assert {"productList", "productGet", "searchesPopular", "reservationMake", "reservationRelease",
            "reservationCommit", "reservationsHeld"} <= operations


def test_a_process_without_its_database_stops_at_start_up_naming_the_variable(catalog):
    env = {name: value for name, value in catalog.env.items() if name != "DATABASE_URL"}
    release = ManagedProcess([PYTHON, "-m", "extracted.catalog.manage", "release"], env)
    assert release.finish(timeout=60) == 1
    assert any("DATABASE_URL" in line for line in release.output())
