"""The chassis's Celery app: what its workers do with messages (tasks in tests/chassis/celery_probe.py,
run by real workers on queues of their own on the test Redis), and what its factory leaves alone."""

import ssl
import uuid
from collections.abc import Iterator

import pytest
import redis
from celery.apps import worker as celery_worker
from kombu.transport import redis as kombu_redis

from chassis import request_id
from chassis.celery_app import celery_config, make_celery
from tests.chassis import celery_probe
from tests.support.processes import ManagedProcess, process_env
from tests.support.waiting import wait_until


def probe_worker(queue: str, *, pool: str = "solo", name: str = "probe") -> ManagedProcess:
    """A worker of the probe app consuming `queue` alone, with one process or thread for tasks."""
    return ManagedProcess(["celery", "--quiet", "-A", "tests.chassis.celery_probe", "worker", "--pool", pool,
                           "--concurrency", "1", "--queues", queue, "--hostname", f"{name}@%h",
                           "--without-gossip", "--without-mingle", "--without-heartbeat"], process_env())


@pytest.fixture
def queue(redis_client: redis.Redis) -> Iterator[str]:
    """A queue of the test's own; its messages and the probe tasks' keys are deleted afterwards."""
    name = f"probe-{uuid.uuid4().hex}"
    yield name
    redis_client.delete(name, *redis_client.keys(f"{name}*"))


def test_a_pickled_message_is_refused_and_never_runs(redis_client, queue):
    """A pickled message, then a JSON one, wait in the queue; one worker takes them in that order."""
    celery_probe.record_request_id.apply_async(args=[f"{queue}:pickled"], queue=queue, serializer="pickle")
    celery_probe.record_request_id.apply_async(args=[f"{queue}:json"], queue=queue)
    worker = probe_worker(queue)
    try:
        wait_until(lambda: redis_client.exists(f"{queue}:json"), timeout=60, what="the JSON message to run")
    finally:
        worker.stop()
    assert not redis_client.exists(f"{queue}:pickled")
    assert any("untrusted content of type pickle" in line["message"] for line in worker.json_lines())


def test_a_task_whose_worker_process_dies_is_delivered_again_and_runs(redis_client, queue):
    """A prefork worker whose child is SIGKILLed by the task it runs: the message is neither acknowledged
    before the task ends nor dropped when its process is lost, so a new child runs it again."""
    celery_probe.die_on_first_run.apply_async(args=[f"{queue}:died"], queue=queue)
    worker = probe_worker(queue, pool="prefork")
    try:
        ran = wait_until(lambda: redis_client.get(f"{queue}:died"), timeout=60, what="the task to run again")
    finally:
        worker.stop()
    assert ran == "ran again"
    assert redis_client.exists(f"{queue}:died:first-run")


def test_a_busy_worker_leaves_the_next_message_to_another_worker(redis_client, queue):
    """Worker A (one thread) runs a task that holds it; a second message is sent, then worker B starts.
    A worker that prefetched would keep the second message behind the task holding it."""
    worker_a = probe_worker(queue, pool="threads", name="probe-a")
    workers = [worker_a]
    try:
        celery_probe.hold_until_released.apply_async(args=[queue], queue=queue)
        held_by = wait_until(lambda: redis_client.get(f"{queue}:started"), timeout=60, what="A to take the task")
        celery_probe.record_worker.apply_async(args=[f"{queue}:next"], queue=queue)
        workers.append(probe_worker(queue, pool="threads", name="probe-b"))
        ran_on = wait_until(lambda: redis_client.get(f"{queue}:next"), timeout=60, what="the next message to run")
    finally:
        redis_client.rpush(f"{queue}:released", "go")
        for worker in workers:
            worker.stop()
    assert held_by.startswith("probe-a@")
    assert ran_on.startswith("probe-b@")


def test_no_task_may_outlive_the_visibility_timeout():
    config = celery_config("redis://127.0.0.1:6379/0", visibility_timeout=600)
    assert config["task_time_limit"] < config["broker_transport_options"]["visibility_timeout"]


def test_a_task_runs_under_the_request_id_of_the_request_that_sent_it(redis_client):
    """A real worker consumes from a queue of its own on the test Redis."""
    queue, key = f"probe-{uuid.uuid4().hex}", f"probe:{uuid.uuid4().hex}"
    worker = ManagedProcess(["celery", "--quiet", "-A", "tests.chassis.celery_probe", "worker", "--pool", "solo",
                             "--concurrency", "1", "--queues", queue, "--without-gossip", "--without-mingle",
                             "--without-heartbeat"], process_env())
    try:
        with request_id.bound("req-celery-1234567"):
            celery_probe.record_request_id.apply_async(args=[key], queue=queue)
        seen = wait_until(lambda: redis_client.get(key), timeout=60, what="the probe task")
    finally:
        exit_code = worker.stop()
    assert seen == "req-celery-1234567"
    assert exit_code == 0
    lines = worker.json_lines()  # every line of the worker is JSON
    ran = [line for line in lines if line["message"] == "probe task ran"]
    assert ran and ran[0]["request_id"] == "req-celery-1234567" and ran[0]["service"] == "celery-probe"
    redis_client.delete(key)


def test_two_runs_of_one_task_id_at_once_each_unbind_their_own_request_id():
    assert request_id.current() is None
    celery_probe.nest_under_one_id.apply(args=[2], task_id="one-id-for-three-runs").get()
    assert request_id.current() is None


def test_a_rediss_broker_keeps_kombus_tls_default_and_the_urls_own_tls_parameters_win():
    app = make_celery("tls-probe", broker_url="rediss://cache.example.com:6380/0?ssl_cert_reqs=required",
                      service="tls-probe")
    assert app.conf.broker_use_ssl == {"ssl_cert_reqs": ssl.CERT_NONE}
    connection = app.connection_for_read()
    assert connection.transport_cls == "chassis.broker:RedisTransport"
    assert connection.ssl == {"ssl_cert_reqs": ssl.CERT_REQUIRED}


def test_other_brokers_keep_their_own_transport():
    for url in ("amqp://guest@127.0.0.1//", "sqs://"):
        assert "broker_transport" not in celery_config(url)


def test_making_an_app_replaces_nothing_of_kombus_or_celerys():
    make_celery("untouched", broker_url="redis://127.0.0.1:6379/0", service="untouched")
    assert kombu_redis.Transport.Channel is kombu_redis.Channel
    assert celery_worker.safe_say.__module__ == "celery.apps.worker"
