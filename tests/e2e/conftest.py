from collections.abc import Iterator

import pytest

from tests.e2e.system import RunningSystem, running_system

EXIT_TIMES = pytest.StashKey[dict[str, float]]()


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """One system from the Procfile for all end-to-end and browser tests."""
    with running_system(tmp_path_factory.mktemp("system")) as running:
        yield running


@pytest.fixture
def exit_times(request: pytest.FixtureRequest) -> dict[str, float]:
    """Where a test records how long each process took to exit after its SIGTERM (seconds, by name):
    printed at the end of the run, whatever its outcome, never asserted beyond the drain limit."""
    return request.config.stash.setdefault(EXIT_TIMES, {})


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    measured = config.stash.get(EXIT_TIMES, {})
    if measured:
        terminalreporter.section("seconds from SIGTERM to exit, as measured")
        for name, seconds in measured.items():
            terminalreporter.write_line(f"{name:<32} {seconds:6.2f}")
