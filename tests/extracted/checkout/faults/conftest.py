"""The fault-injection suites' shared fixture: the run's size (FAULT_SCALE, see scale.py).

The `fault` marker itself is registered in pyproject.toml.
"""

from __future__ import annotations

import pytest

from tests.extracted.checkout.faults.scale import Scale, fault_scale


@pytest.fixture(scope="session")
def scale() -> Scale:
    return fault_scale()
