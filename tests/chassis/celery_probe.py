"""A Celery app built by the chassis factory, for tests that run a real worker."""

import logging
import os
import signal

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


@app.task(name="tests.chassis.celery_probe.die_on_first_run")
def die_on_first_run(key: str) -> None:
    """SIGKILL the process running it the first time; the next time, write "ran again" to Redis at `key`."""
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    if client.set(f"{key}:first-run", 1, nx=True, ex=300):
        os.kill(os.getpid(), signal.SIGKILL)
    client.set(key, "ran again", ex=300)


@app.task(bind=True, name="tests.chassis.celery_probe.hold_until_released")
def hold_until_released(self, key: str) -> None:
    """Write the worker's name to `key`:started, then keep the worker busy until `key`:released gets an item."""
    # No socket timeout (redis-py's default is 5 s): the BLPOP waits as long as it says.
    client = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=None)
    client.set(f"{key}:started", self.request.hostname, ex=300)
    client.blpop([f"{key}:released"], timeout=120)


@app.task(bind=True, name="tests.chassis.celery_probe.record_worker")
def record_worker(self, key: str) -> None:
    """Write the name of the worker that ran it to Redis at `key`."""
    redis.Redis.from_url(os.environ["REDIS_URL"]).set(key, self.request.hostname, ex=300)


@app.task(bind=True, name="tests.chassis.celery_probe.nest_under_one_id")
def nest_under_one_id(self, depth: int) -> None:
    """Runs a copy of itself under the same task id before it ends, `depth` deep: as when a message is
    redelivered while its first run still goes on."""
    if depth:
        self.apply(args=[depth - 1], task_id=self.request.id)
