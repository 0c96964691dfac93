"""One contract suite, two implementations: every test here runs against the monolith's catalogue and
against the catalogue service, each a real gunicorn process with its own database and Redis prefix."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack.catalog import Deployable, running_monolith


@pytest.fixture(scope="package")
def monolith(tmp_path_factory: pytest.TempPathFactory, redis_server: str) -> Iterator[Deployable]:
    with running_monolith(tmp_path_factory.mktemp("catalog-monolith")) as deployable:
        yield deployable


@pytest.fixture(scope="package", params=["monolith", "service"])
def catalog(request: pytest.FixtureRequest) -> Deployable:
    """The catalogue API as one implementation serves it (the service is tests/conftest.py's, shared);
    tests keep to their own products, ids and search terms."""
    return request.getfixturevalue("monolith" if request.param == "monolith" else "catalog_service")
