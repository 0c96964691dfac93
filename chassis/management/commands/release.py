"""The release phase every deployable runs before its new code takes traffic.

    python -m monolith.manage release

Applies migrations, copies static files to S3 when they live there (chassis.storage), then the
deployable's own idempotent steps (settings.RELEASE_COMMANDS, e.g. loading demo data). Django's commands
print plain text; here each of their lines becomes a JSON log line, so the release phase's output is as
machine-readable as every other process's.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from chassis.storage import collects_static

logger = logging.getLogger("chassis.release")


def run_logged(name: str, *args: Any, **options: Any) -> None:
    output = io.StringIO()
    call_command(name, *args, stdout=output, stderr=output, **options)
    for line in output.getvalue().splitlines():
        if line.strip():
            logger.info(line.strip(), extra={"command": name})


class Command(BaseCommand):
    help = "Migrate the database, then run settings.RELEASE_COMMANDS; safe to run on every deploy."

    def handle(self, *args: Any, **options: Any) -> None:
        run_logged("migrate", interactive=False)
        if collects_static(settings.STORAGES):
            run_logged("collectstatic", interactive=False)
        for command in getattr(settings, "RELEASE_COMMANDS", []):
            run_logged(command)
        logger.info("release finished")
