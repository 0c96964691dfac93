"""A Celery app built by the chassis factory, for tests that run a real worker."""

import logging
import os

import redis

from chassis import request_id
from chassis.celery_app import make_celery

app = make_celery("probe", broker_url=os.environ["REDIS_URL"], service="celery-probe")
logger = logging.getLogger(__name__)


@app.task(name="tests.chassis.celery_probe.record_request_id")
def record_request_id(key: str) -> None:
    """Write the request id the task sees to Redis at `key`, and log a line."""
    logger.info("probe task ran", extra={"key": key})
    redis.Redis.from_url(os.environ["REDIS_URL"]).set(key, request_id.current() or "", ex=300)



@app.task(bind=True, name="tests.chassis.celery_probe.nest_under_one_id")
def nest_under_one_id(self, depth: int) -> None:
    """Runs a copy of itself under the same task id before it ends, `depth` deep: as when a message is
    redelivered while its first run still goes on."""
    if depth:
        self.apply(args=[depth - 1], task_id=self.request.id)
