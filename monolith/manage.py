#!/usr/bin/env python
"""Django's command-line utility for the Concierge monolith."""

import os
import sys
from pathlib import Path


def main() -> None:
    # Run from anywhere: the repository root holds the `monolith` and `chassis` packages.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monolith.concierge.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
