"""Late acks on each broker where they differ from Redis: a task whose worker is SIGKILLed mid-task is
delivered again and runs to the end on another worker (RabbitMQ: requeued when the dead worker's
connection drops; SQS: visible again once its visibility timeout ends). Real workers of the chassis
factory (tests/brokers/probe.py), threads pool as the checkout's; the Redis case is the checkout's own
worker-kill fault test."""

from __future__ import annotations

import uuid

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
