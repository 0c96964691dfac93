"""The catalogue as real processes, served by the catalogue service or by the monolith, for the contract
tests, the monolith's tests in remote mode and the catalogue benchmark.

    with running_catalog(tmp_path) as catalog:               # the service: release, then gunicorn
        requests.get(f"{catalog.url}/v1/products?q=chocolate")
        catalog.set_stock("prosecco", 3)                     # through its own manage.py
    with running_monolith(tmp_path) as monolith:             # the monolith, serving the same API
        ...

Each runs on a free port with a throwaway database (PostgreSQL when DATABASE_URL names one) filled by
its release phase (and the demo catalogue), and keeps its Redis keys under a prefix of its own
(CATALOG_REDIS_PREFIX), deleted afterwards: two runs on one Redis never see each other's cache or
popular searches. Internal calls are signed with `KEYS`, as the kit's services sign them. Output goes
to `tmp_path/logs/<name>.log` too.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from chassis.identity import INTERNAL_HEADER, sign_internal
from devstack.databases import throwaway_database_url
from devstack.processes import ManagedProcess, process_env
from devstack.waiting import free_port

KEYS = ["catalog-tests-signing-key"]
PYTHON = sys.executable
GUNICORN = [PYTHON, "-m", "gunicorn", "-c", "python:chassis.gunicorn_conf"]


@dataclass(frozen=True)
class Deployable:
    """One running deployable that serves the catalogue API: `kind` is "service" or "monolith"."""

    kind: str
    url: str
    env: dict[str, str]
    manage_module: str
    model_module: str
    process: ManagedProcess

    def internal_headers(self) -> dict[str, str]:
        """What a kit service sends to the internal API: a fresh signed proof."""
        return {INTERNAL_HEADER: sign_internal(keys=KEYS)}

    def manage(self, *args: str) -> None:
        """Run one of its management commands; fails with the command's output."""
        command = ManagedProcess([PYTHON, "-m", self.manage_module, *args], self.env)
        assert command.finish(timeout=120) == 0, "\n".join(command.output())

    def set_stock(self, product_id: str, units: int) -> None:
        """Put exactly `units` of the product on the shelf, as a stock-taking in its own database would."""
        code = (f"from {self.model_module} import Product; "
                f"Product.objects.filter(pk={product_id!r}).update(stock={units})")
        if self.kind == "service":  # a write beside the service's own: it says so to the API cache
            code += "; from extracted.catalog.catalog.cache import catalog_changed; catalog_changed()"
        self.manage("shell", "-c", code)


@contextmanager
def running_catalog(tmp_path: Path, *, redis_url: str | None = None, **overrides: str) -> Iterator[Deployable]:
    """The catalogue service, released and under gunicorn, for the block."""
    with _running("service", tmp_path, "extracted.catalog", redis_url, overrides) as deployable:
        yield deployable


@contextmanager
def running_monolith(tmp_path: Path, *, redis_url: str | None = None, **overrides: str) -> Iterator[Deployable]:
    """The monolith, released and under gunicorn, for the block (its catalogue is the local one unless
    `overrides` names a CATALOG_SERVICE_URL)."""
    with _running("monolith", tmp_path, "monolith", redis_url, overrides) as deployable:
        yield deployable


def deployable_env(*, port: int, database_url: str, redis_url: str, prefix: str) -> dict[str, str]:
    """What a catalogue-serving deployable needs in its environment, as the Procfile would give it."""
    return process_env(ENVIRONMENT="development", SECRET_KEY="insecure-local-only-catalog-tests",
                       READ_DOT_ENV="false", REDIS_URL=redis_url, DATABASE_URL=database_url, PORT=str(port),
                       IDENTITY_SIGNING_KEYS=",".join(KEYS), BIND_HOST="127.0.0.1", WEB_CONCURRENCY="2",
                       GUNICORN_THREADS="8", LOG_LEVEL="INFO", CATALOG_REDIS_PREFIX=prefix,
                       CARD_PROCESSOR_URL="http://127.0.0.1:1")


@contextmanager
def _running(kind: str, tmp_path: Path, package: str, redis_url: str | None,
             overrides: dict[str, str]) -> Iterator[Deployable]:
    port, prefix = free_port(), f"catalog-test-{uuid.uuid4().hex[:10]}"
    redis_url = redis_url or process_env()["REDIS_URL"]
    wsgi = "monolith.concierge.wsgi" if kind == "monolith" else f"{package}.wsgi"
    models = "monolith.catalog.models" if kind == "monolith" else f"{package}.catalog.models"
    folder = tmp_path / kind
    folder.mkdir(parents=True, exist_ok=True)
    with throwaway_database_url(folder) as database_url:
        env = deployable_env(port=port, database_url=database_url, redis_url=redis_url, prefix=prefix)
        env.update(SERVICE_NAME="catalog" if kind == "service" else "monolith", **overrides)
        release = ManagedProcess([PYTHON, "-m", f"{package}.manage", "release"], env)
        assert release.finish(timeout=120) == 0, "\n".join(release.output())
        if kind == "service":  # alone, with no monolith to backfill it from
            demo = ManagedProcess([PYTHON, "-m", f"{package}.manage", "load_demo_catalog"], env)
            assert demo.finish(timeout=120) == 0, "\n".join(demo.output())
        web = ManagedProcess([*GUNICORN, wsgi], env, log_path=tmp_path / "logs" / f"{kind}.log")
        deployable = Deployable(kind, f"http://127.0.0.1:{port}", env, f"{package}.manage", models, web)
        try:
            web.wait_for_http(f"{deployable.url}/readyz", timeout=60)
            yield deployable
        finally:
            web.stop(timeout=30)
            _forget_keys(redis_url, prefix)


def _forget_keys(redis_url: str, prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
