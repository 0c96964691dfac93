"""Running the `strangler` command as an operator would, against the test's route table and Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping


def strangler(env: Mapping[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    """`strangler ARGUMENTS` with the test run's environment plus `env` (the table and upstream URLs)."""
    return subprocess.run([sys.executable, "-m", "strangler_proxy.cli", *arguments], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60)
