"""The three brokers the kit runs on, each as the processes see it (environment variables only).

    redis      the test Redis (REDIS_URL)
    rabbitmq   the RabbitMQ at TEST_RABBITMQ_URL (default amqp://guest:guest@127.0.0.1:5672//)
    sqs        moto's server mode over HTTP, started here; the processes get `CELERY_BROKER_URL=sqs://`
               and the standard AWS_* variables, the test talks to it with a URL that names the endpoint

Each test's queues are its own (unique names, on SQS a unique CELERY_SQS_QUEUE_PREFIX too) and are
deleted afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import boto3
import pytest
import redis
from celery import Celery
from kombu import Connection
from moto.server import ThreadedMotoServer

from chassis.celery_app import make_celery
from tests.support.waiting import free_port

RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
AWS = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
BROKERS = ["redis", "rabbitmq", "sqs"]


@dataclass
class Broker:
    """A broker as the processes reach it (`env`) and as this test process reaches it (`url`)."""

    name: str
    env: dict[str, str]
    url: str
    sqs_queue_prefix: str = ""
    apps: list[Celery] = field(default_factory=list)

    def app(self, name: str, *, visibility_timeout: int = 3600) -> Celery:
        """A chassis Celery app on this broker, for the test to send with."""
        app = make_celery(name, broker_url=self.url, service="broker-tests", visibility_timeout=visibility_timeout,
                          sqs_queue_prefix=self.sqs_queue_prefix)
        self.apps.append(app)
        return app

    def forget(self, *queues: str) -> None:
        """Delete the queues (and what waits in them); SQS's go with the test's prefix, afterwards."""
        if self.name == "redis":
            client = redis.Redis.from_url(self.url)
            try:
                client.delete(*queues, *(f"_kombu.binding.{queue}" for queue in queues))
            finally:
                client.close()
        elif self.name == "rabbitmq":
            with Connection(self.url) as connection:
                channel = connection.channel()
                for queue in queues:  # Celery declares a direct exchange of the same name for each
                    channel.queue_delete(queue)
                    channel.exchange_delete(queue)


@pytest.fixture(scope="session")
def sqs_endpoint() -> Iterator[str]:
    """moto in server mode, over HTTP on a free port, for the session (each test has its own queue prefix)."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def broker(request: pytest.FixtureRequest, redis_server: str) -> Iterator[Broker]:
    """The broker the test is parametrised with (indirect=True), its apps closed afterwards."""
    name = request.param
    if name == "redis":
        chosen = Broker(name, {"CELERY_BROKER_URL": redis_server}, redis_server)
    elif name == "rabbitmq":
        chosen = Broker(name, {"CELERY_BROKER_URL": RABBITMQ_URL}, RABBITMQ_URL)
    else:
        endpoint = request.getfixturevalue("sqs_endpoint")
        prefix = f"t{uuid.uuid4().hex[:8]}-"
        chosen = Broker(name, {"CELERY_BROKER_URL": "sqs://", "AWS_ENDPOINT_URL_SQS": endpoint,
                               "CELERY_SQS_QUEUE_PREFIX": prefix, **AWS},
                        f"sqs://testing:testing@{endpoint.removeprefix('http://')}", prefix)
    yield chosen
    for app in chosen.apps:
        app.close()
    if name == "sqs":
        _delete_sqs_queues(chosen.env["AWS_ENDPOINT_URL_SQS"], chosen.sqs_queue_prefix)


def _delete_sqs_queues(endpoint: str, prefix: str) -> None:
    client = boto3.client("sqs", endpoint_url=endpoint, region_name=AWS["AWS_DEFAULT_REGION"],
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    for url in client.list_queues(QueueNamePrefix=prefix).get("QueueUrls", []):
        client.delete_queue(QueueUrl=url)
