"""The Celery app factory: safe defaults, JSON logs, and the request id carried into every task.

Defaults are the ones a saga needs: JSON only (no pickle), late acks with requeue when a worker dies,
one message prefetched at a time, and a broker visibility timeout longer than any task or countdown, so
a message is redelivered only when its worker is really gone; what each broker (Redis, RabbitMQ, SQS)
needs for that is derived from the broker URL in chassis.broker. A worker whose Redis broker restarts
reconnects instead of stopping (chassis.broker), and everything a worker prints is a JSON line, its
shutdown notices included (chassis.stdout_relay).
"""

from __future__ import annotations

import logging
from typing import Any

from billiard import util as billiard_util
from celery import Celery, signals

from chassis import logging as chassis_logging
from chassis import request_id
from chassis.broker import broker_settings, is_sqs, sqs_short_queues
from chassis.dryrun.publishing import GuardedCelery
from chassis.stdout_relay import relay_stdout

REQUEST_ID_HEADER = "request_id"
DEFAULT_VISIBILITY_TIMEOUT = 3600


def celery_config(broker_url: str, *, visibility_timeout: int = DEFAULT_VISIBILITY_TIMEOUT,
                  result_backend: str | None = None, sqs_queue_prefix: str = "") -> dict[str, Any]:
    """The kit's Celery settings for `broker_url`: the same guarantees whichever broker it names."""
    return {
        "broker_url": broker_url,
        "result_backend": result_backend,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "result_backend_transport_options": {"visibility_timeout": visibility_timeout},
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
        "task_time_limit": visibility_timeout // 2,
        "task_soft_time_limit": visibility_timeout // 2 - 30,
        "timezone": "UTC",
        **broker_settings(broker_url, visibility_timeout=visibility_timeout, sqs_queue_prefix=sqs_queue_prefix),
    }


def make_celery(name: str, *, broker_url: str, service: str, **options: Any) -> Celery:
    """A Celery app configured for the kit; `service` names it in the JSON logs. It publishes nothing in a
    dry run (chassis.dryrun)."""
    app = GuardedCelery(name)
    app.conf.update(celery_config(broker_url, **options))
    _connect_logging(service)
    if is_sqs(broker_url):
        _refuse_short_sqs_queues(app, app.conf.broker_transport_options["visibility_timeout"])
    return app


def _refuse_short_sqs_queues(app: Celery, visibility_timeout: int) -> None:
    """A worker of `app` stops before consuming when a queue it would consume redelivers too soon."""
    def check(instance: Any = None, **kwargs: Any) -> None:
        if instance is None or instance.app is not app:
            return
        problems = sqs_short_queues(app, list(app.amqp.queues.consume_from), visibility_timeout)
        if problems:
            logging.getLogger("chassis.broker").error("; ".join(problems) + "; see .env.example.")
            raise SystemExit(1)

    # Sent by the `celery worker` program once its queues (--queues included) are known, before it consumes.
    signals.celeryd_after_setup.connect(check, weak=False)


def _connect_logging(service: str) -> None:
    def setup_logging(**kwargs: Any) -> None:
        chassis_logging.configure(service)

    def relay_worker_output(**kwargs: Any) -> None:
        # The worker prints its shutdown notices as plain text straight to the stdout descriptor.
        relay_stdout(service=service, logger="celery.apps.worker")

    # Configured now, not only when the worker asks: the worker warns (e.g. about running as root)
    # before it sends setup_logging. weak=False keeps the closure alive, or Celery falls back to text.
    chassis_logging.configure(service)
    signals.setup_logging.connect(setup_logging, weak=False)
    signals.setup_logging.connect(_pool_logs_as_json, weak=False)
    # Sent by the `celery worker` program only, first thing (never by a worker embedded in a test).
    signals.celeryd_init.connect(relay_worker_output, weak=False)


def _pool_logs_as_json(**kwargs: Any) -> None:
    """Send the process pool's own messages (a child killed by a signal, ...) through the JSON root logger.

    Celery leaves billiard's logger alone when a receiver configures logging, and without a handler
    Python prints its errors as plain text on stderr.
    """
    pool_logger = billiard_util.get_logger()
    pool_logger.propagate = True
    pool_logger.setLevel(logging.ERROR)


@signals.before_task_publish.connect
def _stamp_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    current = request_id.current()
    if headers is not None and current and not headers.get(REQUEST_ID_HEADER):
        headers[REQUEST_ID_HEADER] = current


# The token lives on the run's own request context: two runs of one task id at once (a message
# redelivered while its first run still goes on) must each unbind what they bound.
_TOKEN_ATTRIBUTE = "chassis_request_id_token"


@signals.task_prerun.connect
def _bind_request_id(task: Any = None, **kwargs: Any) -> None:
    if task is None:
        return
    incoming = getattr(task.request, REQUEST_ID_HEADER, None)
    setattr(task.request, _TOKEN_ATTRIBUTE, request_id.bind(incoming or request_id.new()))


@signals.task_postrun.connect
def _unbind_request_id(task: Any = None, **kwargs: Any) -> None:
    token = getattr(task.request, _TOKEN_ATTRIBUTE, None) if task is not None else None
    if token is not None:
        setattr(task.request, _TOKEN_ATTRIBUTE, None)
        request_id.unbind(token)
