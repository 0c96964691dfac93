"""Late acks on each broker where they differ from Redis: a task whose worker is SIGKILLed mid-task is
delivered again and runs to the end on another worker (RabbitMQ: requeued when the dead worker's
connection drops; SQS: visible again once its visibility timeout ends). Real workers of the chassis
factory (tests/brokers/probe.py), threads pool as the checkout's; the Redis case is the checkout's own
worker-kill fault test. And on SQS, where the redelivery delay is the queue's own, a worker refuses a
queue whose delay is shorter than its configuration."""

from __future__ import annotations

import uuid

import boto3
import pytest

from tests.brokers.conftest import Broker
from tests.extracted.checkout.faults.driver import kill_worker
from tests.support.processes import ManagedProcess, process_env
from tests.support.waiting import wait_until

# SQS makes a killed worker's message visible again after this; short, so the test stays short.
VISIBILITY_TIMEOUT = 5


def probe_worker(broker: Broker, queue: str, name: str) -> ManagedProcess:
    env = process_env(**broker.env, PROBE_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT))
    return ManagedProcess(["celery", "--quiet", "-A", "tests.brokers.probe", "worker", "--pool", "threads",
                           "--concurrency", "1", "--queues", queue, "--hostname", f"{name}@%h",
                           "--without-gossip", "--without-mingle", "--without-heartbeat"], env)


@pytest.mark.parametrize("broker", ["rabbitmq", "sqs"], indirect=True)
def test_a_task_whose_worker_is_killed_mid_task_is_delivered_again_and_finishes(broker, redis_client):
    """Worker A takes the task and holds it; A is SIGKILLed (no warm shutdown, no acknowledgement, no
    message handed back); worker B, started after, gets the same message and finishes it."""
    queue, key = f"probe-{uuid.uuid4().hex}", f"broker-probe:{uuid.uuid4().hex}"
    app = broker.app("broker-probe-sender", visibility_timeout=VISIBILITY_TIMEOUT)
    workers = [probe_worker(broker, queue, "probe-a")]
    try:
        app.send_task("tests.brokers.probe.hold_first_run", args=[key], queue=queue)
        wait_until(lambda: redis_client.get(f"{key}:runs"), timeout=60, what="worker A to start the task")
        kill_worker(workers[0])
        workers.append(probe_worker(broker, queue, "probe-b"))
        finished = wait_until(lambda: redis_client.get(f"{key}:finished"), timeout=60,
                              what="the task delivered again to finish")
    finally:
        for worker in workers:
            worker.stop()
        broker.forget(queue)
        redis_client.delete(f"{key}:runs", f"{key}:finished")
    assert finished == "2"
    assert workers[0].popen.returncode == -9


@pytest.mark.parametrize("broker", ["sqs"], indirect=True)
def test_a_worker_refuses_an_existing_sqs_queue_that_would_redeliver_before_the_visibility_timeout(broker, tmp_path):
    """The queue exists already (made by hand, or by an older configuration) with a 30 s visibility
    timeout; the notifications worker is configured for 3600 s. The transport would keep the queue's own,
    and a countdown over 30 s would reach a second worker while the first still holds the message."""
    queue = f"notifications-{uuid.uuid4().hex[:8]}"
    sqs = boto3.client("sqs", endpoint_url=broker.env["AWS_ENDPOINT_URL_SQS"], region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    sqs.create_queue(QueueName=broker.sqs_queue_prefix + queue, Attributes={"VisibilityTimeout": "30"})
    env = process_env(**broker.env, ENVIRONMENT="development", SECRET_KEY="insecure-local-only-broker-tests",
                      READ_DOT_ENV="false", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
                      SERVICE_NAME="notifications", SMS_VIA_SNS="false", CELERY_VISIBILITY_TIMEOUT="3600")
    worker = ManagedProcess(["celery", "--quiet", "-A", "extracted.notifications.celery_app", "worker", "--queues",
                             queue, "--pool", "solo", "--without-gossip", "--without-mingle"], env)
    assert worker.finish(timeout=60) == 1
    refusals = [line for line in worker.json_lines() if line["level"] == "error"]
    assert any(f"SQS queue {broker.sqs_queue_prefix}{queue} redelivers after 30 s" in line["message"]
               and "CELERY_VISIBILITY_TIMEOUT=3600" in line["message"] for line in refusals), worker.output()
    assert not any("ready." in line for line in worker.output())
