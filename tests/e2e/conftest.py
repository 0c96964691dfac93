from collections.abc import Iterator

import pytest

from tests.e2e.system import RunningSystem, running_system


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """One system from the Procfile for all end-to-end and browser tests."""
    with running_system(tmp_path_factory.mktemp("system")) as running:
        yield running
