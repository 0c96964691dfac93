"""JSON log lines on stdout, one object per line, for every process of the kit.

Each line carries time, level, service, logger, message and the current request id, plus whatever the
caller passed in `extra`. There are no file handlers anywhere: the platform collects stdout.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

from chassis import request_id

# Attributes every LogRecord has; anything else on a record came from `extra` and is context to keep.
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id", "service"}


class RequestIdFilter(logging.Filter):
    """Stamps the current request id (or None) on every record. Django logs a 4xx/5xx answer (logger
    django.request) after the middleware has returned, so the id is no longer current then: the request
    the record carries still has it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id.current() or getattr(getattr(record, "request", None), "request_id", None)
        return True


class JsonFormatter(_BaseJsonFormatter):
    """time, level, service, logger, message, request_id first; context after; tracebacks inline."""

    def __init__(self, *args: Any, service: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)
        self.service = service or os.environ.get("SERVICE_NAME", "app")

    def add_fields(self, log_record: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_record["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        log_record["level"] = record.levelname.lower()
        log_record["service"] = self.service
        log_record["logger"] = record.name
        log_record["message"] = record.getMessage()
        log_record["request_id"] = getattr(record, "request_id", None)
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                log_record[key] = value
        log_record.update(message_dict)


def logging_config(service: str, level: str = "INFO") -> dict[str, Any]:
    """A dictConfig for Django's LOGGING: everything as JSON to stdout."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": {"()": JsonFormatter, "service": service}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # Django's own handlers would print tracebacks to stderr as plain text; route them here.
            "django": {"handlers": ["stdout"], "level": level, "propagate": False},
            "django.server": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
            "django.request": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
        },
    }


def configure(service: str, level: str = "INFO") -> None:
    """Configure logging for a process that is not a Django one (helpers, sandboxes)."""
    import logging.config

    logging.config.dictConfig(logging_config(service, level))
    # Python's warnings would otherwise print plain text to stderr.
    logging.captureWarnings(True)


def json_line(service: str, logger: str, message: str, **context: Any) -> str:
    """One log line as JSON (no newline), for a writer that is not a logging handler."""
    record = logging.makeLogRecord({"name": logger, "levelname": context.pop("level", "INFO").upper(),
                                    "msg": message, **context})
    return JsonFormatter(service=service).format(record)


def emit_line(service: str, logger: str, message: str, **context: Any) -> None:
    """Write one JSON line straight to stdout, for helpers that relay another program's output."""
    sys.stdout.write(json_line(service, logger, message, **context) + "\n")
    sys.stdout.flush()
