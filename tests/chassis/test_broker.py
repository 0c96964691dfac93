"""The broker URL and what each broker's settings are derived from it (chassis.broker), and start-up
refusing a malformed broker URL in the processes that read one."""

from __future__ import annotations

import sys

import pytest

from chassis.broker import broker_settings, broker_url_problem, env_broker_url, env_visibility_timeout, redacted
from chassis.celery_app import celery_config
from chassis.env import ConfigError
from tests.support.processes import ManagedProcess, process_env

GOOD = ["redis://127.0.0.1:6379/0", "rediss://:secret@cache.example.com:6380", "amqp://guest:guest@127.0.0.1:5672//",
        "amqps://user:pass@mq.example.com/shop", "sqs://", "sqs://AKIAEXAMPLE:abc%2Fdef@",
        "sqs://key:secret@127.0.0.1:5005"]
BAD = {"amqp://": "names no host", "redis://127.0.0.1:6379/cache": "database number",
       "redis://127.0.0.1:port/0": "is not a URL", "kafka://127.0.0.1:9092": "is not a broker URL",
       "127.0.0.1:6379": "is not a broker URL", "sqs://AKIAEXAMPLE@": "half a key",
       "sqs://k:s@/celery-queue": "has a path"}


@pytest.mark.parametrize("url", GOOD)
def test_a_well_formed_url_of_each_broker_is_accepted(url):
    assert broker_url_problem(url) is None


@pytest.mark.parametrize(("url", "problem"), BAD.items())
def test_a_malformed_broker_url_is_refused_saying_what_is_wrong(url, problem):
    assert problem in (broker_url_problem(url) or "")


def test_the_refusal_names_the_variable_and_hides_the_password(monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_URL", "amqp://guest:s3cret-value@/")
    with pytest.raises(ConfigError) as refused:
        env_broker_url("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
    assert "CELERY_BROKER_URL='amqp://guest:***@/' names no host" in str(refused.value)
    assert "s3cret-value" not in str(refused.value)
    assert redacted("redis://:pw@host:6379/0") == "redis://:***@host:6379/0"


def test_an_unset_broker_url_is_the_default(monkeypatch):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    assert env_broker_url(default="redis://127.0.0.1:6379/3") == "redis://127.0.0.1:6379/3"


def test_sqs_refuses_a_visibility_timeout_beyond_twelve_hours(monkeypatch):
    monkeypatch.setenv("CELERY_VISIBILITY_TIMEOUT", "43201")
    with pytest.raises(ConfigError, match="CELERY_VISIBILITY_TIMEOUT=43201 is longer than SQS allows"):
        env_visibility_timeout("sqs://")
    assert env_visibility_timeout("redis://127.0.0.1:6379/0") == 43201


def test_redis_redelivers_after_the_visibility_timeout_through_the_kits_transport():
    settings = broker_settings("redis://127.0.0.1:6379/0", visibility_timeout=900)
    assert settings == {"broker_transport": "chassis.broker:RedisTransport",
                        "broker_transport_options": {"visibility_timeout": 900}}


def test_rabbitmq_confirms_every_publish_and_has_no_visibility_timeout():
    settings = broker_settings("amqp://guest:guest@127.0.0.1//", visibility_timeout=900)
    assert settings == {"broker_transport_options": {"confirm_publish": True}}


def test_sqs_sets_the_queues_visibility_timeout_and_prefix_and_turns_remote_control_off():
    settings = broker_settings("sqs://", visibility_timeout=900, sqs_queue_prefix="shop-prod-")
    options = settings["broker_transport_options"]
    assert (options["visibility_timeout"], options["queue_name_prefix"]) == (900, "shop-prod-")
    assert 0 < options["wait_time_seconds"] <= 20
    assert settings["worker_enable_remote_control"] is False


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "amqp://guest:guest@127.0.0.1//", "sqs://"])
def test_every_broker_keeps_late_acks_requeue_on_worker_loss_and_prefetch_one(url):
    config = celery_config(url, visibility_timeout=900)
    assert (config["task_acks_late"], config["task_reject_on_worker_lost"]) == (True, True)
    assert config["worker_prefetch_multiplier"] == 1


WORKERS = {
    "checkout": ["celery", "--quiet", "-A", "extracted.checkout.celery_app", "worker", "--pool", "solo"],
    "notifications": ["celery", "--quiet", "-A", "extracted.notifications.celery_app", "worker", "--pool", "solo"],
    "checkout web": [sys.executable, "-m", "extracted.checkout.manage", "check"],
}


@pytest.mark.parametrize("process", WORKERS)
def test_a_malformed_broker_url_stops_the_process_at_start_up_naming_the_variable(tmp_path, process):
    env = process_env(ENVIRONMENT="development", SECRET_KEY="insecure-local-only-broker-tests", READ_DOT_ENV="false",
                      DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", CATALOG_URL="http://127.0.0.1:1",
                      CARD_PROCESSOR_URL="http://127.0.0.1:2", IDENTITY_SIGNING_KEYS="broker-tests-key",
                      SMS_VIA_SNS="false", CELERY_BROKER_URL="amqp://guest:s3cret-value@:5672//")
    started = ManagedProcess(WORKERS[process], env)
    assert started.finish(timeout=60) == 1
    [line] = started.json_lines()
    assert line["level"] == "error" and "CELERY_BROKER_URL=" in line["message"] and "names no host" in line["message"]
    assert "s3cret-value" not in "\n".join(started.output())
