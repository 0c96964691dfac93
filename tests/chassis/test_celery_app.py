import ssl
import uuid

from celery.apps import worker as celery_worker
from kombu.transport import redis as kombu_redis

from chassis import request_id
from chassis.celery_app import celery_config, make_celery
from tests.chassis import celery_probe
from tests.support.processes import ManagedProcess, process_env
from tests.support.waiting import wait_until


def test_defaults_are_json_only_late_ack_and_requeue_on_worker_loss():
    config = celery_config("redis://127.0.0.1:6379/0", visibility_timeout=600)
    assert config["accept_content"] == ["json"] and config["task_serializer"] == "json"
    assert config["task_acks_late"] and config["task_reject_on_worker_lost"]
    assert config["worker_prefetch_multiplier"] == 1
    assert config["broker_transport_options"]["visibility_timeout"] == 600


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


def test_a_redis_broker_gets_the_chassis_transport_by_celerys_broker_transport_setting():
    config = celery_config("redis://127.0.0.1:6379/0")
    assert config["broker_transport"] == "chassis.broker:RedisTransport"
    assert "broker_use_ssl" not in config


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
