"""The proxy's gunicorn configuration: `gunicorn -c python:strangler_proxy.gunicorn_conf strangler_proxy.app:application`.

Everything of the shared configuration every web process uses (chassis/gunicorn_conf.py: $PORT, worker
count, graceful stop, JSON logs), plus the proxy's worker class and the route table's safe reload:
`kill -HUP <arbiter pid>` reads routes.toml again and takes it only when it is valid
(strangler_proxy/control/reload.py).
"""

from __future__ import annotations

import os
from typing import Any

# A gunicorn configuration module is read as its namespace: every shared setting, then the proxy's own.
from chassis.gunicorn_conf import *  # noqa: F403  (gunicorn reads the module's namespace)
from strangler_proxy.control.reload import take_valid_table

worker_class = "strangler_proxy.server.ProxyWorker"


def on_starting(server: Any) -> None:
    take_valid_table(os.environ, server.log)


def on_reload(server: Any) -> None:
    take_valid_table(os.environ, server.log)
