"""The notifications worker's Celery app (the chassis factory: JSON only, late acks, prefetch 1).

    celery -A extracted.notifications.celery worker --queues notifications

A configuration error is written as one JSON line naming the variable, and the worker exits 1.
"""

import os
import sys

# Assigned, not defaulted: a shared .env may name the monolith's settings.
os.environ["DJANGO_SETTINGS_MODULE"] = "extracted.notifications.settings"

import django  # noqa: E402
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

