"""The fault-injection suites' shared fixture: the run's size (FAULT_SCALE, see scale.py); and, when a
fault test fails, the tail of every process's log (tmp_path/logs, see system.py) in its report.

The `fault` marker itself is registered in pyproject.toml.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.extracted.checkout.faults.scale import Scale, fault_scale
from tests.support.processes import log_tails

LOG_TAIL_LINES = 80


@pytest.fixture(scope="session")
def scale() -> Scale:
    return fault_scale()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    # A fault run's processes are gone by the time it fails; their logs are what explain the failure.
    outcome = yield
    report = outcome.get_result()
    tmp_path = getattr(item, "funcargs", {}).get("tmp_path")
    if report.when == "call" and report.failed and isinstance(tmp_path, Path):
        for name, tail in log_tails(tmp_path / "logs", lines=LOG_TAIL_LINES).items():
            report.sections.append((f"last {LOG_TAIL_LINES} lines of {name}", tail))
