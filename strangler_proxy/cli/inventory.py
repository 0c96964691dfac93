"""`strangler inventory`: every URL pattern of the monolith, the route that catches it and where it goes.

The patterns come from the monolith itself (`python -m django strangler_urls`, the strangler_django app's
command, run with DJANGO_SETTINGS_MODULE and the project directory on PYTHONPATH). The routes are the
table in force: the file's table with the live states in the Redis at REDIS_URL, or the file's table
alone when no Redis answers there. A pattern with converters ("/v1/orders/<uuid:order_id>") is matched
by its literal part before the first "<" ("/v1/orders/"); a re_path pattern by its part before the
first "(" or "<".

The route that catches a pattern is the first whose prefix covers it, whatever its methods or headers
filters: those decide per request, and the listing shows them. Progress is two figures
(dashboard/progress.py): the share of patterns whose catching route's primary is an upstream other than
"monolith", and the share of the last hour's requests (counted by every proxy process in Redis) that such
an upstream answered. `--publish` also keeps the patterns in Redis, so the dashboard shows the first
figure too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click
import redis

from strangler_proxy.cli.output import print_json, print_line, print_table
from strangler_proxy.configuration.errors import RouteTableInvalid
from strangler_proxy.configuration.loader import load_route_table, routes_path
from strangler_proxy.control.store import ControlStore
from strangler_proxy.dashboard.progress import (
    MONOLITH,
    Placement,
    Share,
    pattern_share,
    place,
    publish_inventory,
    request_share,
)
from strangler_proxy.observability.traffic import WINDOW_MINUTES, Traffic, last_hour
from strangler_proxy.table import RouteTable


@dataclass(frozen=True)
class InForce:
    """What the command reads besides the monolith: the table in force and the last hour's requests (None
    without a Redis), and where they came from."""

    table: RouteTable
    source: str
    traffic: Traffic | None
    client: redis.Redis | None


@click.command()
@click.option("--django-settings", "settings_module", default=None,
              help="The monolith's settings module (default: $DJANGO_SETTINGS_MODULE).")
@click.option("--project-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("."),
              help="The directory the settings module is imported from (default: the current directory).")
@click.option("--routes", "routes_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The route table (default: $ROUTES_FILE, else strangler_proxy/routes.toml).")
@click.option("--publish", is_flag=True,
              help="Also keep the patterns in the Redis at REDIS_URL, for the dashboard's progress figures.")
@click.option("--json", "as_json", is_flag=True, help="Print the placements and the progress as JSON.")
def inventory(settings_module: str | None, project_dir: Path, routes_file: Path | None, publish: bool,
              as_json: bool) -> None:
    """Each URL pattern of the monolith, the route that catches it and where it goes now; then the share
    of patterns, and of the last hour's requests, served by another upstream than the monolith."""
    settings_module = settings_module or os.environ.get("DJANGO_SETTINGS_MODULE")
    if not settings_module:
        raise click.UsageError("Name the monolith's settings: --django-settings or DJANGO_SETTINGS_MODULE.")
    with _in_force(routes_file or routes_path(os.environ)) as live:
        keep_in = live.client if publish else None
        if publish and keep_in is None:  # said before the monolith's patterns take their seconds to read
            raise click.ClickException("--publish keeps the patterns in Redis, and REDIS_URL names none that answers.")
        patterns = monolith_patterns(settings_module, project_dir)
        if keep_in is not None:
            _publish(keep_in, patterns, settings_module)
    placements = place(patterns, live.table)
    by_patterns = pattern_share(placements)
    by_requests = request_share(live.traffic) if live.traffic is not None else None
    if as_json:
        print_json({"routes": live.source, "patterns": [placement.as_dict() for placement in placements],
                    **by_patterns.as_dict(), "requests_last_hour": _requests_json(live.traffic)})
        return
    print_table(f"URL patterns of {settings_module} (routes: {live.source})",
                ("pattern", "view", "route", "methods", "primary", "candidate"),
                [_row(placement) for placement in placements])
    print_line(_requests_line(by_requests))
    print_line(f"{by_patterns.moved} of {by_patterns.total} URL patterns ({by_patterns.fraction or 0:.0%}) are served "
               f"by an upstream other than {MONOLITH!r}.")


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


@contextmanager
def _in_force(path: Path) -> Iterator[InForce]:
    """The file's table with the live states and the last hour's requests from the Redis at REDIS_URL; the
    file's table alone (and no requests) when REDIS_URL is unset or no Redis answers there."""
    try:
        table = load_route_table(path, os.environ)
    except RouteTableInvalid as invalid:
        raise click.ClickException(str(invalid)) from None
    url = os.environ.get("REDIS_URL")
    if not url:
        yield InForce(table, f"{path} (REDIS_URL unset: live states not read)", None, None)
        return
    client = redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=1, socket_timeout=2)
    try:
        try:
            live = InForce(ControlStore(client, table).table_in_force(), f"{path} with the live states in Redis",
                           last_hour(client), client)
        except (redis.RedisError, ValueError) as error:
            live = InForce(table, f"{path} (Redis at REDIS_URL unreachable: {error}; live states not read)", None,
                           None)
        yield live
    finally:
        client.close()


def _publish(client: redis.Redis, patterns: list[dict[str, str | None]], settings_module: str) -> None:
    try:
        publish_inventory(client, patterns, source=settings_module)
    except redis.RedisError as error:
        raise click.ClickException(f"could not keep the patterns in Redis: {error}") from None


def _requests_json(traffic: Traffic | None) -> dict[str, object] | None:
    if traffic is None:
        return None
    by_route = [{"route": route, "upstream": upstream, "requests": count}
                for (route, upstream), count in sorted(traffic.counts.items())]
    return {**request_share(traffic).as_dict(), "minutes": traffic.minutes, "by_route": by_route}


def _requests_line(share: Share | None) -> str:
    if share is None:
        return "Requests of the last hour: not counted (no Redis at REDIS_URL, where the proxies count them)."
    if share.fraction is None:
        return f"No request went through the proxies in the last {WINDOW_MINUTES} minutes."
    return (f"{share.moved:,} of {share.total:,} requests in the last {WINDOW_MINUTES} minutes "
            f"({share.fraction:.0%}) were answered by an upstream other than {MONOLITH!r}.")


def _row(placement: Placement) -> tuple[str, ...]:
    route = placement.route
    candidate = f"{route.candidate} ({route.mode.value})" if route.candidate else "-"
    methods = ",".join(sorted(route.methods)) or "any"
    return (placement.pattern, placement.view, route.id, methods, route.upstream, candidate)
