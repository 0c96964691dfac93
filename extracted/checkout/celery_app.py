"""The checkout service's Celery app: the saga's workers and the beat that runs the scheduled jobs.

    celery --quiet -A extracted.checkout.celery_app worker --pool threads --concurrency 32
    celery --quiet -A extracted.checkout.celery_app beat

The chassis factory gives JSON-only messages, late acks with requeue on worker loss, prefetch 1 and a
visibility timeout that settings.py keeps above every countdown the saga uses. SIGTERM is a warm
shutdown (running steps finish); on Heroku, which sends SIGKILL 30 s later, set REMAP_SIGTERM=SIGQUIT
so the worker stops at once and its unacknowledged messages go back to the queue. Beat keeps its
schedule in memory (no file on local disk): after a restart every job simply runs at its next time.
A configuration error is written as one JSON line naming the variable, and the process exits 1.
"""

from datetime import timedelta
from typing import Any

from chassis import manage

manage.setup("extracted.checkout.settings", service="checkout")

from celery import signals  # noqa: E402  (Django is set up first)
from celery.schedules import crontab  # noqa: E402  (Django is set up first)
from django.conf import settings  # noqa: E402  (Django is set up first)
from django.db import close_old_connections  # noqa: E402  (Django is set up first)

from chassis.celery_app import make_celery  # noqa: E402  (Django is set up first)


def beat_schedule() -> dict[str, dict[str, Any]]:
    """The scheduled jobs; each expires when its next run is due, so a stopped worker finds no backlog."""
    sweep = settings.SAGA_SWEEP_INTERVAL_SECONDS
    return {
        "sweep-orders": {"task": "checkout.jobs.sweep", "schedule": timedelta(seconds=sweep),
                         "options": {"expires": sweep}},
        "daily-orders-report": {"task": "checkout.jobs.daily_report", "options": {"expires": 3600},
                                "schedule": crontab(hour=settings.SHOP_REPORT_HOUR_UTC, minute=0)},
        "forget-idempotency-keys": {"task": "checkout.jobs.forget_idempotency_keys",
                                    "schedule": timedelta(hours=1), "options": {"expires": 3600}},
    }


app = make_celery("checkout", broker_url=settings.CELERY_BROKER_URL, service=settings.SERVICE_NAME,
                  visibility_timeout=settings.CELERY_VISIBILITY_TIMEOUT, sqs_queue_prefix=settings.CELERY_SQS_QUEUE_PREFIX)
app.conf.update(
    task_default_queue=settings.CHECKOUT_QUEUE,
    beat_schedule=beat_schedule(),
    beat_scheduler="celery.beat:Scheduler",
    # A threads pool cannot cancel a running step (asking only logs NotImplementedError), so a step
    # running when the broker connection drops finishes; its message, put back unacknowledged, may run
    # again meanwhile, and the step's state guard and the order's version make that second run safe.
    worker_cancel_long_running_tasks_on_connection_loss=False,
)
# Celery's Django fixup would close every database connection around every task; keep them instead
# (DATABASE_CONN_MAX_AGE still ends each one) and check them as Django does around a request.
app.conf.update(CELERY_DB_REUSE_MAX=1_000_000)
signals.task_prerun.connect(lambda **kwargs: close_old_connections(), weak=False)
signals.task_postrun.connect(lambda **kwargs: close_old_connections(), weak=False)
app.autodiscover_tasks(["extracted.checkout.checkout"], related_name="tasks")
app.autodiscover_tasks(["extracted.checkout.checkout"], related_name="jobs")
