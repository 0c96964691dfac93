"""Loading the route table: read the TOML file, validate it whole, resolve upstream URLs.

The server calls `load_route_table` once at boot and refuses to start when it raises. Nothing here
reads the process environment itself: the caller passes it in, so tests and the CLI choose theirs.

    RouteTableInvalid (errors.py)   the file is missing, unreadable, not TOML, or fails validation
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from strangler_proxy.configuration.errors import RouteTableInvalid
from strangler_proxy.configuration.validator import validate
from strangler_proxy.table import RouteTable

# The table versioned with the proxy; ROUTES_FILE points elsewhere (a deployment's own table, a test's).
DEFAULT_ROUTES_FILE = Path(__file__).resolve().parent.parent / "routes.toml"


def routes_path(environ: Mapping[str, str]) -> Path:
    """The route table's path: `ROUTES_FILE` when set and not empty, else the table shipped with the proxy."""
    return Path(environ.get("ROUTES_FILE") or DEFAULT_ROUTES_FILE)


def load_route_table(path: Path, environ: Mapping[str, str]) -> RouteTable:
    """The validated table at `path`, upstream URLs read from `environ`.

    Raises RouteTableInvalid listing every error, each with its fix.
    """
    return validate(read_document(path), environ, source=str(path))


def read_document(path: Path) -> dict[str, Any]:
    """The TOML document at `path`; RouteTableInvalid (with the line, for a syntax error) otherwise."""
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        problem = "does not exist; point ROUTES_FILE at the route table, or unset it to use the shipped one"
    except OSError as error:
        problem = f"cannot be read ({error.strerror}); check its permissions"
    except UnicodeDecodeError:
        problem = "is not UTF-8 text; save it as UTF-8"
    except tomllib.TOMLDecodeError as error:
        problem = f"is not valid TOML: {error}; fix the syntax there"
    raise RouteTableInvalid([f"{path} {problem}"], source=str(path))
