#!/usr/bin/env python
"""Django's command-line utility for the checkout service: `python -m extracted.checkout.manage release`."""

import sys
from pathlib import Path

# Run from anywhere: the repository root holds the packages, and this folder (whose settings.py and
# celery.py would shadow real top-level modules) must not be first on the path.
sys.path[0] = str(Path(__file__).resolve().parents[2])

from chassis.manage import execute  # noqa: E402

if __name__ == "__main__":
    execute("extracted.checkout.settings", service="checkout")
