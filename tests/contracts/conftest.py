"""One contract suite, two implementations: every test here runs against the monolith's catalogue and
against the catalogue service, each a real gunicorn process with its own database and Redis prefix."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack.catalog import Deployable, running_catalog, running_monolith

RUNNERS = {"monolith": running_monolith, "service": running_catalog}


@pytest.fixture(scope="package", params=sorted(RUNNERS))
def catalog(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            redis_server: str) -> Iterator[Deployable]:
    """The catalogue API as one implementation serves it; tests keep to their own products or ids."""
    with RUNNERS[request.param](tmp_path_factory.mktemp(f"catalog-{request.param}")) as deployable:
        yield deployable
