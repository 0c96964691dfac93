from collections.abc import Iterator

import pytest

from tests.e2e.system import RunningSystem, running_system

MEASURED = pytest.StashKey[dict[str, str]]()


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """One system from the Procfile for all end-to-end and browser tests."""
    with running_system(tmp_path_factory.mktemp("system")) as running:
        yield running


@pytest.fixture
def measured(request: pytest.FixtureRequest) -> dict[str, str]:
    """Where a disposability test records what it measured (how long each process took to exit after its
    SIGTERM, the load it ran): printed at the end of the run, whatever its outcome."""
    return request.config.stash.setdefault(MEASURED, {})


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    figures = config.stash.get(MEASURED, {})
    if figures:
        terminalreporter.section("disposability: measured")
        for name, value in figures.items():
            terminalreporter.write_line(f"{name:<44} {value}")
