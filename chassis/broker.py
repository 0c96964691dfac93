"""The Celery broker, by URL: Redis, RabbitMQ or Amazon SQS, with nothing but the environment to switch.

One place derives from the URL's scheme what each broker needs for the saga's guarantees (late acks and
requeue on worker loss are the factory's, `chassis.celery_app`, and hold on every broker):

    redis://, rediss://   kombu's Redis transport with one fix (below); an unacknowledged message comes back
                          after the visibility timeout, which must outlast every countdown
    amqp://, amqps://     RabbitMQ: a dead worker's connection drops and its unacknowledged messages are
                          requeued at once; publisher confirms, so an accepted order's step is on the broker
                          when `send_task` returns. The server's consumer_timeout (30 min by default) bounds
                          how long a message may stay unacknowledged, countdowns included
    sqs://                kombu's SQS transport (boto3, pycurl): credentials, region and endpoint from the
                          standard AWS_* variables unless the URL names them; the queue's visibility timeout
                          is the redelivery delay (at most 12 hours), and a worker refuses to start on a
                          queue that already exists with a shorter one (`sqs_short_queues`); queue names
                          may share a prefix; no remote control (SQS cannot broadcast)

`env_broker_url()` refuses a malformed URL at start-up, naming the variable (and never echoing a password).

The Redis fix: a channel whose broker died under a waiting BRPOP closes. When the broker goes away, the
connection error may surface first on another socket (remote control's subscription, an acknowledgement)
while the channel tasks come on still waits for its BRPOP's reply. kombu's close() first reads that
reply, and the read's connection error escapes before the channel is closed. Celery's teardown then drops
the transport and closes the channel once more, which puts its unacknowledged messages back through the
dropped transport: an AttributeError that stops the worker ("Unrecoverable error") instead of letting it
reconnect. Seen with kombu 5.7.0; `RedisTransport` can go when kombu's own close() tolerates that read
failing. kombu builds a transport's channels from its `Channel` class attribute, and Celery's
`broker_transport` setting names the transport class to use, so nothing of kombu's is replaced.
"""

from __future__ import annotations

import os
import re
import ssl
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlsplit

from kombu.transport import redis as kombu_redis

from chassis.env import ConfigError, env_int

if TYPE_CHECKING:
    from celery import Celery

REDIS_SCHEMES = ("redis", "rediss")
AMQP_SCHEMES = ("amqp", "amqps")
SQS_SCHEMES = ("sqs",)
BROKER_SCHEMES = REDIS_SCHEMES + AMQP_SCHEMES + SQS_SCHEMES
TRANSPORT = "chassis.broker:RedisTransport"
# Seconds: the kit's floor for CELERY_VISIBILITY_TIMEOUT on every broker, and SQS's ceiling for a queue's.
MIN_VISIBILITY_TIMEOUT = 60
SQS_MAX_VISIBILITY_TIMEOUT = 43200
# Seconds an SQS ReceiveMessage waits for a message (long polling, at most 20).
SQS_WAIT_TIME_SECONDS = 10
_HINT = "see .env.example"


class RedisChannel(kombu_redis.Channel):
    """kombu's Redis channel, whose close() completes even when the server died under a waiting BRPOP."""

    connection_errors: tuple[type[BaseException], ...]  # the transport's, set by kombu's Channel

    def close(self) -> None:
        try:
            super().close()
        except self.connection_errors:
            # Only the read of the waiting BRPOP's reply needs the server, and kombu forgets that BRPOP
            # once the read has failed: closing again does the rest of the work, offline.
            super().close()


class RedisTransport(kombu_redis.Transport):
    """kombu's Redis transport, with channels that close after their server died."""

    Channel = RedisChannel


# ---------------------------------------------------------------- reading the URL
def env_broker_url(name: str = "CELERY_BROKER_URL", *, default: str) -> str:
    """The broker URL in `name` (else `default`); a malformed one stops start-up naming the variable."""
    url = os.environ.get(name, default)
    problem = broker_url_problem(url)
    if problem:
        raise ConfigError(f"{name}={redacted(url)!r} {problem}; {_HINT}.")
    return url


def broker_url_problem(url: str) -> str | None:
    """What is wrong with `url` as a broker URL, or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (urlsplit checks the port only when asked for it)
    except ValueError as exc:
        return f"is not a URL ({exc})"
    if parts.scheme not in BROKER_SCHEMES:
        return "is not a broker URL: redis://, rediss://, amqp://, amqps:// or sqs://"
    if parts.scheme in SQS_SCHEMES:
        return _sqs_problem(parts)
    if not parts.hostname:
        return f"names no host (e.g. {parts.scheme}://127.0.0.1)"
    if parts.scheme in REDIS_SCHEMES and not re.fullmatch(r"(/\d*)?", parts.path):
        return f"has path {parts.path!r}: a Redis URL's path is a database number (e.g. /0)"
    return None


def _sqs_problem(parts: SplitResult) -> str | None:
    if (parts.username is None) != (parts.password is None):
        return "names half a key: sqs://ACCESS_KEY_ID:SECRET_ACCESS_KEY@ (URL-quoted), or sqs:// and the AWS_* variables"
    if parts.path not in ("", "/"):
        return "has a path: SQS queue names come from the queue settings (and CELERY_SQS_QUEUE_PREFIX)"
    return None


def redacted(url: str) -> str:
    """`url` with its password (if any) replaced by ***, for messages and logs."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<unparseable URL>"
    if not password:
        return url
    netloc = parts.netloc.replace(f":{password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def env_visibility_timeout(broker_url: str, name: str = "CELERY_VISIBILITY_TIMEOUT", default: int = 3600) -> int:
    """Seconds before an unacknowledged message is delivered again; SQS allows at most 12 hours."""
    seconds = env_int(name, default, minimum=MIN_VISIBILITY_TIMEOUT)
    if urlsplit(broker_url).scheme in SQS_SCHEMES and seconds > SQS_MAX_VISIBILITY_TIMEOUT:
        raise ConfigError(f"{name}={seconds} is longer than SQS allows ({SQS_MAX_VISIBILITY_TIMEOUT} s); {_HINT}.")
    return seconds


# ---------------------------------------------------------------- the settings each broker needs
def broker_settings(broker_url: str, *, visibility_timeout: int, sqs_queue_prefix: str = "") -> dict[str, Any]:
    """The Celery settings `broker_url`'s broker needs (transport, its options, TLS, remote control)."""
    scheme = urlsplit(broker_url).scheme
    if scheme in REDIS_SCHEMES:
        return _redis_settings(scheme, visibility_timeout)
    if scheme in AMQP_SCHEMES:
        return {"broker_transport_options": {"confirm_publish": True}}
    if scheme in SQS_SCHEMES:
        return _sqs_settings(visibility_timeout, sqs_queue_prefix)
    return {}


def _redis_settings(scheme: str, visibility_timeout: int) -> dict[str, Any]:
    settings: dict[str, Any] = {"broker_transport": TRANSPORT,
                                "broker_transport_options": {"visibility_timeout": visibility_timeout}}
    if scheme == "rediss":
        # What kombu itself does for a rediss:// URL with no ssl_cert_reqs (Heroku Redis's certificates
        # are self-signed); it keys that on the transport's name, which is ours now. The URL's own
        # ssl_* parameters still win (e.g. rediss://...?ssl_cert_reqs=required).
        settings["broker_use_ssl"] = {"ssl_cert_reqs": ssl.CERT_NONE}
    return settings


def _sqs_settings(visibility_timeout: int, queue_prefix: str) -> dict[str, Any]:
    options = {
        # Set on each queue the transport creates; a queue that already exists keeps its own.
        "visibility_timeout": min(visibility_timeout, SQS_MAX_VISIBILITY_TIMEOUT),
        "wait_time_seconds": SQS_WAIT_TIME_SECONDS,
        # After an empty long poll, ask again at once: the long poll itself is the wait.
        "polling_interval": 0,
        "queue_name_prefix": queue_prefix,
    }
    # Remote control broadcasts through a fanout exchange, which SQS has only by way of SNS topics.
    return {"broker_transport_options": options, "worker_enable_remote_control": False}


def is_sqs(broker_url: str) -> bool:
    return urlsplit(broker_url).scheme in SQS_SCHEMES


def sqs_short_queues(app: Celery, queues: Iterable[str], visibility_timeout: int) -> list[str]:
    """What is wrong with each of `queues` that already exists on SQS with a visibility timeout shorter
    than `visibility_timeout`. The transport sets the timeout only on the queues it creates (and never
    per receive), so an older queue's own would redeliver a message whose countdown outlasts it."""
    problems = []
    with app.connection_for_read() as connection:
        channel: Any = connection.default_channel  # kombu's SQS Channel; its type stubs know only StdChannel
        client = channel.sqs()
        for queue in queues:
            name = channel.canonical_queue_name(queue)
            try:
                url = client.get_queue_url(QueueName=name)["QueueUrl"]
            except client.exceptions.QueueDoesNotExist:
                continue  # the transport creates it with `visibility_timeout`
            attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
            seconds = int(attributes["Attributes"]["VisibilityTimeout"])
            if seconds < visibility_timeout:
                problems.append(f"SQS queue {name} redelivers after {seconds} s, sooner than "
                                f"CELERY_VISIBILITY_TIMEOUT={visibility_timeout}: raise the queue's VisibilityTimeout "
                                "(aws sqs set-queue-attributes) or delete the queue for the workers to create it")
    return problems
