#!/usr/bin/env python
"""The checkout service's manage.py: `python -m extracted.checkout.manage release` (or the file's path).

A configuration error is written as one JSON line naming the variable, like the rest of the output,
and the command exits 1 instead of printing a traceback.
"""

import os
import sys
from pathlib import Path


def main() -> None:
    # Run from anywhere: the repository root holds the `extracted` and `chassis` packages. This folder
    # must not be on the path: its celery.py and settings.py would shadow the real top-level modules.
    here = Path(__file__).resolve().parent
    sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != here]
    sys.path.insert(0, str(here.parents[1]))
    # Assigned, not defaulted: a shared .env may name the monolith's settings.
    os.environ["DJANGO_SETTINGS_MODULE"] = "extracted.checkout.settings"
    from django.core.management import execute_from_command_line

    from chassis.env import ConfigError
    from chassis.logging import emit_line

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as error:
        emit_line("checkout", "extracted.checkout.manage", str(error), level="error")
        sys.exit(1)


if __name__ == "__main__":
    main()
