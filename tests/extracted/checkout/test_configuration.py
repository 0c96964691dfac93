"""The service's configuration, read by its real entry points in processes of their own."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.extracted.checkout.system import KEYS
from tests.support.processes import ManagedProcess, process_env
from tests.support.waiting import free_port

SHOW_CONFIG = """
import json
from django.conf import settings
from extracted.checkout.celery_app import app
from extracted.checkout.checkout import tasks
conf = app.conf
print(json.dumps({
    "visibility_timeout": conf.broker_transport_options["visibility_timeout"],
    "longest_countdown": settings.SAGA_RETRY.longest_countdown(),
    "stuck_after": settings.SAGA_STUCK_AFTER_SECONDS,
    "step_retry_backoff_max": tasks.reserve_stock.retry_backoff_max,
    "task_time_limit": conf.task_time_limit,
    "beat": {name: {"every": getattr(entry["schedule"], "total_seconds", lambda: None)(),
                    "expires": entry["options"]["expires"]} for name, entry in conf.beat_schedule.items()},
}))
"""
# Where the app sends each of its tasks (what send_task consults), and the queues a worker started with no
# --queues consumes, as the Procfile starts it.
SHOW_ROUTES = """
import json
from extracted.checkout.celery_app import app
app.loader.import_default_modules()
names = [name for name in app.tasks if name.startswith("checkout.")]
print(json.dumps({"sent_to": {name: app.amqp.router.route({}, name)["queue"].name for name in names},
                  "consumed": sorted(app.amqp.queues.consume_from)}))
"""


def env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """Only what the service requires, plus `overrides`: every other variable keeps its default."""
    base = process_env(ENVIRONMENT="development", SECRET_KEY="insecure-local-only-config-tests",
                       DATABASE_URL=f"sqlite:///{tmp_path / 'checkout.sqlite3'}", READ_DOT_ENV="false",
                       CATALOG_URL="http://127.0.0.1:1", CARD_PROCESSOR_URL="http://127.0.0.1:2",
                       IDENTITY_SIGNING_KEYS=",".join(KEYS), PORT=str(free_port()), BIND_HOST="127.0.0.1")
    for name in [name for name in base if name.startswith(("SAGA_", "CELERY_", "CHECKOUT_"))]:
        del base[name]
    return base | overrides


def run(command: list[str], environ: dict[str, str]) -> ManagedProcess:
    process = ManagedProcess(command, environ)
    process.finish(timeout=60)
    return process


def test_by_default_no_countdown_or_task_outlives_the_brokers_visibility_timeout(tmp_path):
    shown = run([sys.executable, "-c", SHOW_CONFIG], env(tmp_path))
    config = json.loads(shown.output()[-1])
    assert config["longest_countdown"] < config["visibility_timeout"]
    assert config["task_time_limit"] < config["visibility_timeout"]
    assert config["longest_countdown"] < config["stuck_after"]
    assert config["step_retry_backoff_max"] < config["visibility_timeout"]


@pytest.mark.parametrize("queue", [None, "checkout-blue"])
def test_every_step_and_job_is_sent_to_the_one_queue_the_worker_consumes(tmp_path, queue):
    environ = env(tmp_path, **({"CHECKOUT_QUEUE": queue} if queue else {}))
    routes = json.loads(run([sys.executable, "-c", SHOW_ROUTES], environ).output()[-1])
    assert {"checkout.saga.reserve_stock", "checkout.jobs.sweep"} <= set(routes["sent_to"])
    assert len(routes["consumed"]) == 1 and set(routes["sent_to"].values()) == set(routes["consumed"])
    if queue:
        assert routes["consumed"] == [queue]


def test_no_scheduled_job_piles_up_while_the_workers_are_down(tmp_path):
    config = json.loads(run([sys.executable, "-c", SHOW_CONFIG], env(tmp_path)).output()[-1])
    assert set(config["beat"]) == {"sweep-orders", "daily-orders-report", "forget-idempotency-keys"}
    assert all(job["every"] is None or job["expires"] <= job["every"] for job in config["beat"].values())


CAP_AT_THE_TIMEOUT = {"CELERY_VISIBILITY_TIMEOUT": "600", "SAGA_BACKOFF_MAX_SECONDS": "600",
                      "SAGA_STUCK_AFTER_SECONDS": "900"}
ENTRY_POINTS = {
    "manage.py": [sys.executable, "-m", "extracted.checkout.manage", "check"],
    "worker": ["celery", "--quiet", "-A", "extracted.checkout.celery_app", "worker", "--pool", "solo"],
    "beat": ["celery", "--quiet", "-A", "extracted.checkout.celery_app", "beat"],
    "web": [sys.executable, "-m", "gunicorn", "-c", "python:chassis.gunicorn_conf", "extracted.checkout.wsgi"],
}


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_a_backoff_cap_at_the_visibility_timeout_stops_every_process_naming_both(tmp_path, entry_point):
    process = run(ENTRY_POINTS[entry_point], env(tmp_path, **CAP_AT_THE_TIMEOUT))
    assert process.popen.returncode != 0
    # gunicorn itself also prints a failed worker's exception as plain text, so only JSON lines are read.
    errors = [line for line in _json_lines(process) if line["level"] in ("error", "critical")]
    assert any("SAGA_BACKOFF_MAX_SECONDS" in json.dumps(line) and "CELERY_VISIBILITY_TIMEOUT" in json.dumps(line)
               for line in errors), "\n".join(process.output())


@pytest.mark.parametrize(("name", "value"), [("SAGA_MAX_ATTEMPTS", "0"), ("SAGA_BACKOFF_BASE_SECONDS", "soon"),
                                             ("IDEMPOTENCY_KEY_TTL_HOURS", "1"), ("SHOP_REPORT_HOUR_UTC", "24"),
                                             ("CATALOG_URL", "monolith:8000")])
def test_a_bad_setting_stops_the_service_naming_the_variable(tmp_path, name, value):
    process = run(ENTRY_POINTS["manage.py"], env(tmp_path, **{name: value}))
    assert process.popen.returncode == 1
    [line] = process.json_lines()
    assert line["level"] == "error" and name in line["message"]


def _json_lines(process: ManagedProcess) -> list[dict]:
    return [json.loads(line) for line in process.output() if line.startswith("{")]
