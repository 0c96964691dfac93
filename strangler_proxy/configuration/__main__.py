"""`python -m strangler_proxy.configuration check [--routes PATH] [--json]`: check a route table.

Uses the real environment for upstream URLs, as the proxy would at boot. Prints the resolved table
and exits 0, or prints every error and exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from strangler_proxy.configuration.errors import RouteTableInvalid
from strangler_proxy.configuration.loader import load_route_table, routes_path
from strangler_proxy.configuration.render import table_as_dict, table_as_text


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    """Run the command line in `argv`; the exit status."""
    arguments = _parser().parse_args(argv)
    path = arguments.routes or routes_path(environ)
    try:
        table = load_route_table(path, environ)
    except RouteTableInvalid as error:
        if arguments.json:
            print(json.dumps({"source": str(path), "errors": error.errors}, indent=2))
        else:
            print(error, file=sys.stderr)
        return 1
    print(json.dumps(table_as_dict(table), indent=2) if arguments.json else table_as_text(table))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m strangler_proxy.configuration",
                                     description="Work with the strangler proxy's route table.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate a route table without starting the proxy")
    check.add_argument("--routes", type=Path, metavar="PATH",
                       help="the table to check (default: $ROUTES_FILE, else strangler_proxy/routes.toml)")
    check.add_argument("--json", action="store_true", help="print the resolved table (or the errors) as JSON")
    return parser


if __name__ == "__main__":
    sys.exit(main())
