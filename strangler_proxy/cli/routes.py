"""`strangler check`: validate a route table as the proxy would at boot, without starting it."""

from __future__ import annotations

import os
from pathlib import Path

import click

from strangler_proxy.cli.output import print_json, print_line, print_table
from strangler_proxy.configuration.errors import RouteTableInvalid
from strangler_proxy.configuration.loader import load_route_table, routes_path
from strangler_proxy.configuration.render import ROUTE_COLUMNS, route_rows, table_as_dict
from strangler_proxy.table import RouteTable


@click.command()
@click.option("--routes", "path", type=click.Path(dir_okay=False, path_type=Path),
              help="The table to check (default: $ROUTES_FILE, else strangler_proxy/routes.toml).")
@click.option("--json", "as_json", is_flag=True, help="Print the resolved table (or the errors) as JSON.")
def check(path: Path | None, as_json: bool) -> None:
    """Validate a route table; print it resolved (exit 0) or every error with its fix (exit 1)."""
    path = path or routes_path(os.environ)
    try:
        table = load_route_table(path, os.environ)
    except RouteTableInvalid as error:
        if as_json:
            print_json({"source": str(path), "errors": error.errors})
        else:
            click.echo(str(error), err=True)
        raise SystemExit(1) from None
    if as_json:
        print_json(table_as_dict(table))
    else:
        print_resolved(table)


def print_resolved(table: RouteTable) -> None:
    print_line(f"route table {table.source} (request bodies up to {table.max_body_bytes} bytes)")
    print_table("upstreams", ("upstream", "url", "from", "health"),
                [(name, upstream.url, upstream.url_env, upstream.health_path)
                 for name, upstream in table.upstreams.items()])
    print_table("plans (per client)", ("plan", "rate", "burst"),
                [(name, f"{plan.rate:g}/s", str(plan.burst)) for name, plan in table.plans.items()])
    print_table("routes (first match wins)", ROUTE_COLUMNS, route_rows(table))
