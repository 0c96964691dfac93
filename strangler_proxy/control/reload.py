"""Reading routes.toml again on SIGHUP, kept only when valid: a broken file never stops the proxy.

gunicorn's arbiter answers SIGHUP by starting new workers and stopping the old ones, and a worker whose
table is invalid cannot start, which used to stop the whole server. So the arbiter itself checks the
file (the `on_starting` and `on_reload` hooks of strangler_proxy/gunicorn_conf.py) and keeps a copy of
the last valid one; workers load that copy. An invalid file on reload is logged error by error and the
running table stays. At the very first start there is no copy: an invalid file stops the proxy there,
as it should.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from strangler_proxy.configuration.errors import RouteTableInvalid
from strangler_proxy.configuration.loader import load_route_table, routes_path

# The variable under which the arbiter tells its workers where the last valid table is.
SNAPSHOT_VARIABLE = "STRANGLER_ROUTES_SNAPSHOT"


def take_valid_table(environ: MutableMapping[str, str], log: logging.Logger | object) -> bool:
    """Check the route table; when valid, copy it where the workers load it from. False when invalid."""
    source = routes_path(environ)
    try:
        load_route_table(source, environ)
    except RouteTableInvalid as invalid:
        kept = "; the running table stays" if SNAPSHOT_VARIABLE in environ else ""
        for error in invalid.errors:
            _log(log, f"route table {invalid.source}: {error}{kept}")
        return False
    snapshot = environ.get(SNAPSHOT_VARIABLE) or _new_snapshot_path()
    shutil.copyfile(source, snapshot)
    environ[SNAPSHOT_VARIABLE] = snapshot
    return True


def table_to_load(environ: Mapping[str, str], configured: Path) -> Path:
    """The file a worker loads: the arbiter's last valid copy when there is one, else the configured file."""
    snapshot = environ.get(SNAPSHOT_VARIABLE)
    return Path(snapshot) if snapshot and Path(snapshot).exists() else configured


def _new_snapshot_path() -> str:
    handle, path = tempfile.mkstemp(prefix="strangler-routes-", suffix=".toml")
    os.close(handle)
    return path


def _log(log: logging.Logger | object, message: str) -> None:
    error = getattr(log, "error", None)
    if callable(error):
        error(message)
