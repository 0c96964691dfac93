"""What every deployable's manage.py does, in one place.

The settings module is assigned, not defaulted: a shared `.env` or a parent process may name another
deployable's settings. A configuration error becomes one JSON line naming the variable, like the rest of
the output, and exit status 1, instead of a traceback.
"""

from __future__ import annotations

import os
import sys

from chassis.env import ConfigError
from chassis.logging import emit_line


def execute(settings_module: str, *, service: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as error:
        emit_line(service, f"{service}.manage", str(error), level="error")
        sys.exit(1)


def setup(settings_module: str, *, service: str) -> None:
    """Set Django up for a process that is not `manage.py` or WSGI (a Celery worker or beat)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    try:
        django.setup()
    except ConfigError as error:
        emit_line(service, f"{service}.setup", str(error), level="error")
        sys.exit(1)
