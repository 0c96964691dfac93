"""The route table the control tests move a route in, and the `strangler` command run as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping


def strangler(env: Mapping[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    """`strangler ARGUMENTS` with the test run's environment plus `env` (the table and upstream URLs)."""
    return subprocess.run([sys.executable, "-m", "strangler_proxy.cli", *arguments], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60)


def moving_route_table(candidate_env: str, prefix: str = "/items") -> str:
    """A route `items` at `prefix` on the echo upstream ("monolith"), with a second upstream ("orders", its
    URL in `candidate_env`) for it to move to, and the catch-all."""
    return f"""
[upstreams.monolith]
url_env = "ECHO_URL"

[upstreams.orders]
url_env = "{candidate_env}"

[[routes]]
id = "items"
prefix = "{prefix}"
upstream = "monolith"

[[routes]]
id = "default"
prefix = "/"
upstream = "monolith"
"""
