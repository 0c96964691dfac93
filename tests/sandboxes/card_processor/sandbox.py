"""The real card-processor sandbox for tests (migrated, under gunicorn, answering): devstack.card_processor,
which the benchmarks share. Any test package may import it from here; the fixtures are in conftest.py.
"""

from devstack.card_processor import (
    GUNICORN,
    MIGRATE,
    START_TIMEOUT,
    Sandbox,
    run,
    running_card_processor,
    sandbox_env,
)

__all__ = ["GUNICORN", "MIGRATE", "START_TIMEOUT", "Sandbox", "run", "running_card_processor", "sandbox_env"]
