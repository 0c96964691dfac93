"""`strangler inventory`: every URL pattern of the monolith, the route that catches it and where it goes.

The patterns come from the monolith itself (`python -m django strangler_urls`, the strangler_django app's
command, run with DJANGO_SETTINGS_MODULE and the project directory on PYTHONPATH). The routes are the
table in force: the file's table with the live states in the Redis at REDIS_URL, or the file's table
alone when no Redis answers there. A pattern with converters ("/v1/orders/<uuid:order_id>") is matched
by its literal part before the first "<" ("/v1/orders/"); a re_path pattern by its part before the
first "(" or "<".

The route that catches a pattern is the first whose prefix covers it, whatever its methods or headers
filters: those decide per request, and the listing shows them. The progress figure is the share of
patterns whose catching route's primary is an upstream other than "monolith".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click
import redis

from strangler_proxy.cli.output import print_json, print_line, print_table
from strangler_proxy.configuration.errors import RouteTableInvalid
from strangler_proxy.configuration.loader import load_route_table, routes_path
from strangler_proxy.control.store import ControlStore
from strangler_proxy.routing.match import RouteMatcher
from strangler_proxy.table import Route, RouteTable

MONOLITH = "monolith"


@dataclass(frozen=True)
class Placement:
    """One URL pattern of the monolith and the route that catches it."""

    pattern: str
    name: str | None
    view: str
    route: Route

    @property
    def moved(self) -> bool:
        return self.route.upstream != MONOLITH

    def as_dict(self) -> dict[str, object]:
        route = self.route
        return {"pattern": self.pattern, "name": self.name, "view": self.view, "route": route.id,
                "prefix": route.prefix, "methods": sorted(route.methods), "primary": route.upstream,
                "candidate": route.candidate, "mode": route.mode.value if route.candidate else None}


@click.command()
@click.option("--django-settings", "settings_module", default=None,
              help="The monolith's settings module (default: $DJANGO_SETTINGS_MODULE).")
@click.option("--project-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("."),
              help="The directory the settings module is imported from (default: the current directory).")
@click.option("--routes", "routes_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The route table (default: $ROUTES_FILE, else strangler_proxy/routes.toml).")
@click.option("--json", "as_json", is_flag=True, help="Print the placements and the progress as JSON.")
def inventory(settings_module: str | None, project_dir: Path, routes_file: Path | None, as_json: bool) -> None:
    """Each URL pattern of the monolith, the route that catches it and where it goes now; then the share
    of patterns already served by another upstream than the monolith."""
    settings_module = settings_module or os.environ.get("DJANGO_SETTINGS_MODULE")
    if not settings_module:
        raise click.UsageError("Name the monolith's settings: --django-settings or DJANGO_SETTINGS_MODULE.")
    table, source = _table_in_force(routes_file or routes_path(os.environ))
    patterns = monolith_patterns(settings_module, project_dir)
    placements = place(patterns, table)
    moved = sum(placement.moved for placement in placements)
    share = moved / len(placements) if placements else 0.0
    if as_json:
        print_json({"routes": source, "patterns": [placement.as_dict() for placement in placements],
                    "moved": moved, "total": len(placements), "share_moved": round(share, 4)})
        return
    print_table(f"URL patterns of {settings_module} (routes: {source})",
                ("pattern", "view", "route", "methods", "primary", "candidate"),
                [_row(placement) for placement in placements])
    print_line(f"{moved} of {len(placements)} URL patterns ({share:.0%}) are served by an upstream other "
               f"than {MONOLITH!r}.")


def monolith_patterns(settings_module: str, project_dir: Path) -> list[dict[str, str | None]]:
    """The monolith's URL patterns, as its `strangler_urls` command prints them."""
    project = str(project_dir.resolve())
    # The monolith's own variables pass through; its modules are found from its project directory (the
    # same interpreter finds the installed ones).
    env = {**os.environ, "PYTHONPATH": project, "DJANGO_SETTINGS_MODULE": settings_module}
    done = subprocess.run([sys.executable, "-m", "django", "strangler_urls"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise click.ClickException(
            f"`python -m django strangler_urls` failed (is \"strangler_django\" in INSTALLED_APPS?):\n"
            f"{done.stderr.strip()}")
    patterns: list[dict[str, str | None]] = json.loads(done.stdout)
    return patterns


def place(patterns: Sequence[dict[str, str | None]], table: RouteTable) -> list[Placement]:
    """Each pattern with the first route whose prefix covers the pattern's literal part."""
    rules = RouteMatcher(table).rules
    placements = []
    for entry in patterns:
        pattern = entry["pattern"] or "/"
        literal = literal_prefix(pattern)
        route = next(rule.route for rule in rules if literal == rule.exact or literal.startswith(rule.subtree))
        placements.append(Placement(pattern, entry["name"], entry["view"] or "", route))
    return placements


def literal_prefix(pattern: str) -> str:
    """The part of a pattern before its first converter or group: "/v1/orders/<uuid:pk>" gives "/v1/orders/"."""
    return pattern.partition("<")[0].partition("(")[0] or "/"


def _table_in_force(path: Path) -> tuple[RouteTable, str]:
    try:
        table = load_route_table(path, os.environ)
    except RouteTableInvalid as invalid:
        raise click.ClickException(str(invalid)) from None
    url = os.environ.get("REDIS_URL")
    if not url:
        return table, f"{path} (REDIS_URL unset: live states not read)"
    client = redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=1, socket_timeout=2)
    try:
        return ControlStore(client, table).table_in_force(), f"{path} with the live states in Redis"
    except (redis.RedisError, ValueError) as error:
        return table, f"{path} (Redis at REDIS_URL unreachable: {error}; live states not read)"
    finally:
        client.close()


def _row(placement: Placement) -> tuple[str, ...]:
    route = placement.route
    candidate = f"{route.candidate} ({route.mode.value})" if route.candidate else "-"
    methods = ",".join(sorted(route.methods)) or "any"
    return (placement.pattern, placement.view, route.id, methods, route.upstream, candidate)
