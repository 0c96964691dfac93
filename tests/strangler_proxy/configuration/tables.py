"""Route-table documents for tests: a valid one to start from, and a way to collect a table's errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from strangler_proxy.configuration.errors import RouteTableInvalid
from strangler_proxy.configuration.validator import validate

ENVIRON = {"MONOLITH_URL": "http://127.0.0.1:8000", "CATALOG_URL": "http://127.0.0.1:8002"}
CATCH_ALL = {"id": "default", "prefix": "/", "upstream": "monolith"}
PRODUCTS = {"id": "products", "prefix": "/v1/products", "upstream": "catalog"}


def document(*routes: dict[str, Any], **top_level: Any) -> dict[str, Any]:
    """A valid table's parsed TOML: `routes` (default: one to the catalog) then the catch-all.

    Top-level keys given replace the defaults'; one given as None is left out.
    """
    table = {
        "upstreams": {"monolith": {"url_env": "MONOLITH_URL"}, "catalog": {"url_env": "CATALOG_URL"}},
        "plans": {"anonymous": {"rate": 50, "burst": 100}, "basic": {"rate": 5, "burst": 10}},
        "default_anonymous_plan": "anonymous",
        "routes": [*(routes or [PRODUCTS]), CATCH_ALL],
    } | top_level
    return {key: value for key, value in table.items() if value is not None}


def route(**fields: Any) -> dict[str, Any]:
    """A valid route to the catalog with `fields` changed; a field given as None is left out."""
    return {key: value for key, value in (PRODUCTS | fields).items() if value is not None}


def errors_in(table: Mapping[str, Any], environ: Mapping[str, str] = ENVIRON) -> list[str]:
    """Every error validating `table` reports (the test fails if it validates)."""
    with pytest.raises(RouteTableInvalid) as raised:
        validate(table, environ)
    return raised.value.errors
