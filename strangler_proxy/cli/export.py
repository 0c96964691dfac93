"""`strangler export nginx`: the route table in force, written as nginx configuration.

It reads the table the proxy reads (--routes, else ROUTES_FILE, else the shipped one; upstream URLs from
the environment) and the live route states in the Redis at REDIS_URL. When those cannot be read it
exits 1 rather than export a table that is not in force; --file-only exports the file's table alone.
What nginx will not do for this table is printed on stderr (and written as comments in the file).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import click

from strangler_proxy.cli.output import print_line
from strangler_proxy.configuration.loader import routes_path
from strangler_proxy.export.nginx import render_nginx
from strangler_proxy.export.source import ExportFailed, table_in_force

# nginx's `listen` address: a port, host:port or [v6]:port, nothing that could end the directive.
_LISTEN = re.compile(r"[A-Za-z0-9.\-\[\]:]+\Z")


@click.group()
def export() -> None:
    """Write the route table in force as another proxy's configuration."""


def _listen(_context: click.Context, _parameter: click.Parameter, value: str) -> str:
    if not _LISTEN.match(value):
        raise click.BadParameter("give a port, host:port or [v6]:port, e.g. 8080 or 127.0.0.1:8080")
    return value


@export.command()
@click.option("--routes", "path", type=click.Path(dir_okay=False, path_type=Path),
              help="The route table (default: $ROUTES_FILE, else strangler_proxy/routes.toml).")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the configuration to this file instead of printing it.")
@click.option("--listen", default="80", show_default=True, callback=_listen,
              help="The server's listen address: a port, or host:port.")
@click.option("--standalone", is_flag=True,
              help="A whole nginx.conf (events, http) to run as `nginx -p DIR -c FILE`, instead of a file to "
                   "include in nginx's http block.")
@click.option("--file-only", is_flag=True,
              help="Export the file's table alone, without the live route states in Redis.")
def nginx(path: Path | None, out: Path | None, listen: str, standalone: bool, file_only: bool) -> None:
    """The route table in force as nginx configuration, routes in their first-match order."""
    path = path or routes_path(os.environ)
    try:
        in_force = table_in_force(path, os.environ, live=not file_only)
    except ExportFailed as failed:
        raise click.ClickException(str(failed)) from None
    exported = render_nginx(in_force.table, listen=listen, standalone=standalone, origin=in_force.origin)
    for gap in exported.gaps:
        click.echo(f"nginx will not reproduce: {gap}", err=True)
    if out is None:
        click.echo(exported.text, nl=False)
        return
    try:
        out.write_text(exported.text, encoding="utf-8")
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error.strerror}") from None
    print_line(f"wrote {out}: {len(in_force.table.routes)} routes from {in_force.table.source}, "
               f"states {in_force.origin}")
