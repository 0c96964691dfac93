"""The notifications worker's Celery app (the chassis factory: JSON only, late acks, prefetch 1).

    celery -A extracted.notifications.celery_app worker --queues notifications

A configuration error is written as one JSON line naming the variable, and the worker exits 1.
"""

from chassis import manage

manage.setup("extracted.notifications.settings", service="notifications")

from django.conf import settings  # noqa: E402  (Django is set up first)

from chassis.celery_app import make_celery  # noqa: E402  (Django is set up first)

app = make_celery("notifications", broker_url=settings.CELERY_BROKER_URL, service=settings.SERVICE_NAME,
                  visibility_timeout=settings.CELERY_VISIBILITY_TIMEOUT, sqs_queue_prefix=settings.CELERY_SQS_QUEUE_PREFIX)
app.autodiscover_tasks(["extracted.notifications.notifications"])

