"""Settings for the test run: the monolith's, with test defaults for what CI does not set.

CI points DATABASE_URL and REDIS_URL at its PostgreSQL and Redis; a local run gets SQLite and the
Redis that tests/conftest.py starts.
"""

import os

from tests.support.waiting import free_port

os.environ.setdefault("ENVIRONMENT", "development")
os.environ.setdefault("SECRET_KEY", "insecure-local-only-test-key")
os.environ.setdefault("DATABASE_URL", "sqlite:///.data/test-monolith.sqlite3")
if "REDIS_URL" not in os.environ:
    # No Redis given: tests/conftest.py starts a throwaway one on this port.
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    os.environ["TESTS_START_REDIS"] = "true"
os.environ.setdefault("CARD_PROCESSOR_URL", "http://127.0.0.1:1")
os.environ.setdefault("IDENTITY_SIGNING_KEYS", "insecure-local-only-identity-key")
# Popular searches counted by the tests stay out of a stack's on the same Redis.
os.environ.setdefault("CATALOG_REDIS_PREFIX", f"catalog-tests-{os.getpid()}")

from monolith.concierge.settings import *  # noqa: F403  (the monolith's settings, under the test defaults above)
