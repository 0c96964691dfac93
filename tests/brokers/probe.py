"""A Celery app built by the chassis factory on whichever broker CELERY_BROKER_URL names, for the
redelivery tests: its task holds its worker until the test kills it, the first time only.

The visibility timeout is PROBE_VISIBILITY_TIMEOUT (short, so SQS redelivers within the test); the task
time limits the factory derives from it are dropped: a threads pool does not enforce them anyway.
"""

import os

import redis

from chassis.celery_app import make_celery

app = make_celery("broker-probe", broker_url=os.environ["CELERY_BROKER_URL"], service="broker-probe",
                  visibility_timeout=int(os.environ["PROBE_VISIBILITY_TIMEOUT"]),
                  sqs_queue_prefix=os.environ.get("CELERY_SQS_QUEUE_PREFIX", ""))
app.conf.update(task_time_limit=None, task_soft_time_limit=None)


@app.task(name="tests.brokers.probe.hold_first_run")
def hold_first_run(key: str) -> None:
    """Count the run at `key`:runs; the first run then waits (for the test to SIGKILL its worker), a later
    one writes its number to `key`:finished."""
    client = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=None)
    runs = client.incr(f"{key}:runs")
    client.expire(f"{key}:runs", 300)
    if runs == 1:
        client.blpop([f"{key}:never"], timeout=120)
        return
    client.set(f"{key}:finished", runs, ex=300)
