"""The gunicorn configuration shared by every web process: `gunicorn -c python:chassis.gunicorn_conf`.

Binds `$PORT`, sizes itself from `WEB_CONCURRENCY` and `GUNICORN_THREADS`, shuts down gracefully within
25 s (inside Heroku's 30 s and ECS's default stop timeout) and logs access and errors as JSON to stdout.
The threaded worker keeps client connections alive, which a proxy in front pools.
"""

from __future__ import annotations

from typing import Any

from chassis import connection
from chassis.env import env_bool, env_int, env_list, env_str
from chassis.logging import JsonFormatter, RequestIdFilter

_service = env_str("SERVICE_NAME", "web")

bind = f"{env_str('BIND_HOST', '0.0.0.0')}:{env_int('PORT', minimum=1)}"
workers = env_int("WEB_CONCURRENCY", 2, minimum=1)
threads = env_int("GUNICORN_THREADS", 4, minimum=1)
# gunicorn's threaded worker, closing its listening socket as soon as SIGTERM stops it accepting
# (chassis/gunicorn_worker.py says why).
worker_class = "chassis.gunicorn_worker.ThreadWorker"
timeout = env_int("GUNICORN_TIMEOUT", 30, minimum=1)
# SIGTERM: stop accepting, finish the requests under way, then exit; what is still running after this
# many seconds is cut off. 25 s fits inside Heroku's 30 s and an ECS stopTimeout of 30 s or more.
graceful_timeout = 25
# true: bind the port with SO_REUSEPORT, so a replacement can start on the port before this process
# stops (a rolling restart on one host; each worker then binds the port itself). Off by default: a second
# server started on the port by mistake should fail, not share the traffic.
reuse_port = env_bool("GUNICORN_REUSE_PORT", False)
# With SO_REUSEPORT each worker binds the port when it is forked and the kernel sends it connections at
# once, while it may still be loading the application: they wait out its start-up, and a caller with a
# short timeout (the proxy's identity look-up, 2 s) fails. Loaded first, in the arbiter, a worker listens
# only once it can answer.
preload_app = reuse_port
keepalive = env_int("GUNICORN_KEEPALIVE", 5, minimum=0)
forwarded_allow_ips = ",".join(env_list("FORWARDED_ALLOW_IPS", "127.0.0.1,::1"))
# gunicorn would take SCRIPT_NAME and PATH_INFO headers from those addresses and cut the path with them;
# the proxy passes client headers on, so a client could run a path the proxy never routed. Trust none.
forwarder_headers = ""
# A header name with an underscore (X_Strangler_Identity) would land in the environ under the same key
# as its dashed twin; drop it, whoever sent it.
header_map = "drop"
# Request bodies bigger than this never reach Django: the header limits bound a slow or hostile client.
limit_request_line = 8190
limit_request_fields = 100
# gunicorn's control socket is a file under $HOME shared by every gunicorn on the machine; processes
# here are managed by the platform (or honcho), not by gunicornc, so keep no such local state.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
# Only the atoms are used (see GunicornAccessFormatter); the format string is kept for a human reader.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(D)s'


def post_worker_init(worker: Any) -> None:
    # The application is loaded: what a rolling restart waits for before it stops the old process.
    worker.log.info("Worker ready (pid: %s)", worker.pid)


def pre_request(worker: Any, req: Any) -> None:
    # Lets the application close this request's connection (a 413 leaves the body unread): see
    # chassis.connection.
    connection.serving(req)


def post_request(worker: Any, req: Any) -> None:
    connection.served()


class GunicornAccessFormatter(JsonFormatter):
    """Turns gunicorn's access atoms into named JSON fields."""

    def add_fields(self, log_record: dict[str, Any], record: Any, message_dict: dict[str, Any]) -> None:
        atoms = record.args if isinstance(record.args, dict) else {}
        record.args = ()  # the message is ours to write, not a %-format over the atoms
        record.msg = f"{atoms.get('m', '-')} {atoms.get('U', '-')} {atoms.get('s', '-')}"
        super().add_fields(log_record, record, message_dict)
        log_record["request_id"] = atoms.get("{x-request-id}o") or None
        log_record.update(
            method=atoms.get("m"),
            path=atoms.get("U"),
            query=atoms.get("q") or None,
            status=_as_int(atoms.get("s")),
            bytes=_as_int(atoms.get("B")),
            duration_ms=round(_as_int(atoms.get("D")) / 1000, 2),
            remote_addr=atoms.get("h"),
            user_agent=atoms.get("a"),
        )


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": RequestIdFilter}},
    "formatters": {
        "json": {"()": JsonFormatter, "service": _service},
        "access": {"()": GunicornAccessFormatter, "service": _service},
    },
    "handlers": {
        "error": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json",
                  "filters": ["request_id"]},
        "access": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "access"},
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["error"], "level": "INFO"},
}
