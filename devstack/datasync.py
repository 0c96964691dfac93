"""Two databases holding the catalogue's products, one per side, for datasync's tests and benchmark.

    with catalog_pair(tmp_path) as pair:            # the monolith's and the service's schemas, migrated
        with pair.sides() as sides:                  # datasync.store.Sides over both
            fill_products(sides.origin, 10_000)      # rows made in SQL, not one by one
        pair.strangler("sync-on", "catalog")         # the real command, as a process

Each database is a throwaway one of the kind DATABASE_URL names (PostgreSQL in CI, else SQLite).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasync import phases, sql
from datasync.spec import modules
from datasync.store import Sides, open_sides
from devstack.databases import throwaway_database_url
from devstack.processes import ROOT, ManagedProcess, process_env

# Loaded by name, as `strangler data` loads it: the catalogue's settings are not this process's.
CATALOG = modules("extracted.catalog.sync:CATALOG")["catalog"]
SETTINGS_ENV = {"ENVIRONMENT": "development", "SECRET_KEY": "insecure-local-only-datasync-tests",
                "IDENTITY_SIGNING_KEYS": "insecure-local-only-datasync-identity-key-0123456789",
                "CARD_PROCESSOR_URL": "http://127.0.0.1:1", "CATALOG_URL": "http://127.0.0.1:1",
                "READ_DOT_ENV": "false", "LOG_LEVEL": "WARNING"}


@dataclass
class Pair:
    """The monolith's database (DATABASE_URL) and the catalogue service's (CATALOG_DATABASE_URL)."""

    env: dict[str, str]

    @contextmanager
    def sides(self) -> Iterator[Sides]:
        with open_sides(CATALOG, self.env) as sides:
            yield sides

    def strangler(self, *arguments: str, check: bool = True,
                  env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """`strangler data ARGUMENTS` as a process; with `check`, its exit status must be 0."""
        done = subprocess.run([sys.executable, "-m", "strangler_proxy.cli", "data", *arguments], cwd=ROOT,
                              env={**self.env, **(env or {})}, capture_output=True, text=True, timeout=300)
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    def strangler_json(self, *arguments: str, env: dict[str, str] | None = None) -> Any:
        return json.loads(self.strangler(*arguments, "--json", env=env).stdout)

    def sync_on_and_backfill(self, *, rows: int) -> None:
        """`rows` products on the monolith's side, the sync on, and both sides equal (in this process)."""
        with self.sides() as sides:
            fill_products(sides.origin, rows)
            phases.sync_on(sides)
            phases.start_backfill(sides, batch=1000)

    def reset(self) -> None:
        """Both tables empty and the mechanism gone, as after `catalog_pair` (faster than new databases)."""
        with self.sides() as sides:
            for database in sides.databases.values():
                database.drop_capture(sides.module)
                for table in ("datasync_outbox", "datasync_applied", "datasync_version", "datasync_state",
                              "datasync_backfill", "datasync_applying", "datasync_parked"):
                    database.execute(f"DROP TABLE IF EXISTS {table}")
                database.execute("DELETE FROM catalog_product")

    def start(self, *arguments: str, env: dict[str, str] | None = None) -> ManagedProcess:
        """`strangler data ARGUMENTS` as a long-running process (the relay)."""
        return ManagedProcess([sys.executable, "-m", "strangler_proxy.cli", "data", *arguments],
                              {**self.env, **(env or {})})


@contextmanager
def catalog_pair(tmp_path: Path) -> Iterator[Pair]:
    with ExitStack() as stack:
        urls = [stack.enter_context(throwaway_database_url(_folder(tmp_path / side))) for side in ("monolith", "catalog")]
        env = process_env(**SETTINGS_ENV, DATABASE_URL=urls[0], CATALOG_DATABASE_URL=urls[1])
        env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")  # the settings want one; migrations never call it
        migrations = [subprocess.Popen([sys.executable, "-m", project, "migrate", "--noinput", "-v", "0"], cwd=ROOT,
                                       env={**env, "DATABASE_URL": url}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       text=True)
                      for project, url in (("monolith.manage", urls[0]), ("extracted.catalog.manage", urls[1]))]
        for migration in migrations:
            output, _ = migration.communicate(timeout=180)
            assert migration.returncode == 0, output
        yield Pair(env)


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def fill_products(database: sql.Database, count: int, *, start: int = 1) -> None:
    """`count` products with keys p-0000001... made in one SQL statement."""
    columns = "id, name, description, price_cents, currency, image, category, keywords, stock, updated_at"
    values = ("'p-' || {padded}, 'Product ' || i, 'A product made for the tests, number ' || i, 100 + i %% 5000, "
              "'usd', 'catalog/gift.svg', 'gifts', 'gift box ' || i, 10 + i %% 7, {now}")
    if database.kind == "postgresql":
        database.execute(f"INSERT INTO catalog_product ({columns}) SELECT "
                         + values.format(padded="lpad(i::text, 7, '0')", now="now()")
                         + " FROM generate_series(%s::int, %s::int) AS i", [start, start + count - 1])
        return
    with database.transaction():
        database.execute(f"WITH RECURSIVE n(i) AS (SELECT %s UNION ALL SELECT i + 1 FROM n WHERE i < %s) "
                         f"INSERT INTO catalog_product ({columns}) SELECT "
                         + values.format(padded="substr('0000000' || i, -7, 7)",
                                         now="strftime('%Y-%m-%d %H:%M:%f', 'now')") + " FROM n",
                         [start, start + count - 1])
