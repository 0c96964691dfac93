"""The fault-injection suites' shared fixtures: the run's size (FAULT_SCALE, see scale.py) and the figures
each test measured (report.py), printed in pytest's terminal summary beside their bounds, never asserted;
and, when a fault test fails, the tail of every process's log (tmp_path/logs, see devstack/checkout.py)
in its report.

The `fault` marker itself is registered in pyproject.toml.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.processes import log_tails
from tests.extracted.checkout.faults.report import RunFigures
from tests.extracted.checkout.faults.scale import Scale, fault_scale

LOG_TAIL_LINES = 80
FIGURES = pytest.StashKey[list[RunFigures]]()


@pytest.fixture(scope="session")
def scale() -> Scale:
    return fault_scale()


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> RunFigures:
    """Where the test records what it measured: shown at the end of the run, whatever its outcome."""
    run = RunFigures(request.node.name)
    request.config.stash.setdefault(FIGURES, []).append(run)
    return run


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    runs = [run for run in config.stash.get(FIGURES, []) if run.outcome or run.figures]
    if not runs:
        return
    terminalreporter.section(f"fault runs at FAULT_SCALE={fault_scale().name}: measured, bounds for reading only")
    for run in runs:
        for line in run.lines():
            terminalreporter.write_line(line)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    # A fault run's processes are gone by the time it fails; their logs are what explain the failure.
    outcome = yield
    report = outcome.get_result()
    tmp_path = getattr(item, "funcargs", {}).get("tmp_path")
    if report.when == "call" and report.failed and isinstance(tmp_path, Path):
        for name, tail in log_tails(tmp_path / "logs", lines=LOG_TAIL_LINES).items():
            report.sections.append((f"last {LOG_TAIL_LINES} lines of {name}", tail))
