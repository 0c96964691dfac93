"""The notifications worker's Celery app (the chassis factory: JSON only, late acks, prefetch 1).

    celery -A extracted.notifications.celery worker --queues notifications

A configuration error is written as one JSON line naming the variable, and the worker exits 1.
"""

import logging
import os
import sys
from typing import Any

# Assigned, not defaulted: a shared .env may name the monolith's settings.
os.environ["DJANGO_SETTINGS_MODULE"] = "extracted.notifications.settings"

import django  # noqa: E402
from billiard import util as billiard_util  # noqa: E402
from celery import signals  # noqa: E402
from django.conf import settings  # noqa: E402

from chassis.celery_app import make_celery  # noqa: E402
from chassis.env import ConfigError  # noqa: E402
from chassis.logging import emit_line  # noqa: E402

try:
    django.setup()
except ConfigError as error:
    emit_line("notifications", __name__, str(error), level="error")
    sys.exit(1)

app = make_celery("notifications", broker_url=settings.CELERY_BROKER_URL, service=settings.SERVICE_NAME)
app.autodiscover_tasks(["extracted.notifications.notifications"])


@signals.setup_logging.connect
def _pool_logs_as_json(**kwargs: Any) -> None:
    """Send the process pool's own messages (a child killed by a signal, ...) through the JSON root logger.

    Celery leaves that logger alone when logging is configured by a receiver, as the chassis does, and
    without a handler Python prints its errors as plain text on stderr.
    """
    pool_logger = billiard_util.get_logger()
    pool_logger.propagate = True
    pool_logger.setLevel(logging.ERROR)
