"""`strangler status | shadow | canary | promote | rollback | history`: move a route while it serves.

Each reads the route table the proxy reads (ROUTES_FILE and the upstream URL variables; `--env-file`
to load them) and the live states in the Redis at REDIS_URL. A change is checked against the whole table
first; a refused one prints why with its fix, changes nothing and exits 1. Every proxy process takes a
change within a second.
"""

from __future__ import annotations

import datetime
import getpass
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager

import click
import redis

from chassis.env import ConfigError, env_url
from strangler_proxy.cli.output import print_json, print_line, print_table
from strangler_proxy.configuration.errors import RouteTableInvalid
from strangler_proxy.configuration.loader import load_route_table, routes_path
from strangler_proxy.control import state
from strangler_proxy.control.state import ChangeRefused
from strangler_proxy.control.store import AuditRecord, Change, ControlStore
from strangler_proxy.judge.tally import verdict_key
from strangler_proxy.shadow.report import shadow_report
from strangler_proxy.table import Mode, Route, Writes

JSON = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
BY = click.option("--by", default=None, help="Who makes the change (default: the OS user).")
REASON = click.option("--reason", default="", help="Why, for the history.")


@contextmanager
def control_store() -> Iterator[ControlStore]:
    try:
        table = load_route_table(routes_path(os.environ), os.environ)
        client = redis.Redis.from_url(env_url("REDIS_URL", schemes=("redis", "rediss")), decode_responses=True)
    except RouteTableInvalid as invalid:
        raise click.ClickException(str(invalid)) from None
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    try:
        yield ControlStore(client, table)
    except redis.RedisError as error:
        raise click.ClickException(f"Redis at REDIS_URL: {error}") from None
    finally:
        client.close()


# ---------------------------------------------------------------- reading
@click.command()
@JSON
def status(as_json: bool) -> None:
    """Every route in match order: its primary, candidate, mode and share."""
    with control_store() as store:
        routes = store.table_in_force().routes
        # A verdict is about a candidate: a route without one has none to show (the history says why).
        verdicts = {route.id: _verdict(store, route.id) if route.candidate else None for route in routes}
    if as_json:
        print_json([{**_route_dict(route), "verdict": verdicts[route.id]} for route in routes])
        return
    print_table("routes (first match wins)",
                ("route", "prefix", "primary", "candidate", "mode", "share", "fallback", "verdict"),
                [(*_route_row(route), _verdict_text(verdicts[route.id])) for route in routes])


def _verdict(store: ControlStore, route_id: str) -> dict[str, object] | None:
    raw = store.client.get(verdict_key(route_id))
    return json.loads(raw) if raw else None


def _verdict_text(verdict: dict[str, object] | None) -> str:
    return "-" if verdict is None else f"{verdict['outcome']}: {verdict['reason']}"


def _route_dict(route: Route) -> dict[str, object]:
    return {"id": route.id, "prefix": route.prefix, "primary": route.upstream, "candidate": route.candidate,
            "mode": route.mode.value, "percent": route.percent, "writes": route.writes.value,
            "fallback": route.fallback}


def _route_row(route: Route) -> tuple[str, ...]:
    share = f"{route.percent:g} %" if route.mode is Mode.CANARY else "-"
    if route.mode is Mode.SHADOW:
        share = f"copies (writes: {route.writes.value})"
    return (route.id, route.prefix, route.upstream, route.candidate or "-", route.mode.value, share,
            route.fallback or "-")


@click.command()
@click.argument("route", required=False)
@click.option("--limit", default=20, show_default=True, help="How many changes to show.")
@JSON
def history(route: str | None, limit: int, as_json: bool) -> None:
    """The latest changes (of ROUTE, when given), newest first."""
    with control_store() as store:
        records = store.history(route, limit=limit)
    if as_json:
        print_json([record.as_dict() for record in records])
        return
    print_table("changes, newest first", ("when", "route", "action", "before", "after", "by", "reason"),
                [_record_row(record) for record in records])


def _record_row(record: AuditRecord) -> tuple[str, ...]:
    when = datetime.datetime.fromtimestamp(record.at, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
    return (when, record.route, record.action, _brief(record.before), _brief(record.after), record.by,
            record.reason or "-")


def _brief(fields: dict[str, object]) -> str:
    text = str(fields["upstream"])
    if fields.get("candidate"):
        share = f" {fields['percent']:g}%" if fields["mode"] == "canary" else ""
        text += f" + {fields['candidate']} ({fields['mode']}{share})"
    return text


# ---------------------------------------------------------------- changing
def _apply(route: str, action: str, change: Change, *, reason: str, by: str | None, as_json: bool) -> None:
    with control_store() as store:
        try:
            record = store.change(route, action, change, reason=reason, by=by or getpass.getuser())
        except ChangeRefused as refused:
            raise click.ClickException(f"refused, nothing changed: {refused}") from None
    if as_json:
        print_json(record.as_dict())
    else:
        print_line(f"{action} {route}: {_brief(record.before)} -> {_brief(record.after)}")


@click.command()
@click.argument("route")
@click.option("--candidate", required=True, help="The upstream that gets a copy of each request.")
@click.option("--writes", type=click.Choice([w.value for w in Writes]), default=Writes.SKIP.value,
              show_default=True, help="Whether requests that are not safe to replay are copied (dry-run).")
@REASON
@BY
@JSON
def shadow(route: str, candidate: str, writes: str, reason: str, by: str | None, as_json: bool) -> None:
    """Send ROUTE's candidate a copy of each request; clients always get the primary's answer."""
    _apply(route, "shadow", lambda current: state.shadow(current, candidate=candidate, writes=Writes(writes)),
           reason=reason, by=by, as_json=as_json)


@click.command()
@click.argument("route")
@click.option("--candidate", required=True, help="The upstream a share of callers is sent to.")
@click.option("--percent", type=float, default=None, help="The share of callers, above 0 and at most 100.")
@click.option("--steps", default="", help="Percents to move through, e.g. 5,25,50,100 (the first is where it "
                                          "starts unless --percent is given); each step waits for a passing verdict.")
@click.option("--interval", default="0s", help="The least time between steps, e.g. 10m, 30s, 1h.")
@REASON
@BY
@JSON
def canary(route: str, candidate: str, percent: float | None, steps: str, interval: str, reason: str, by: str | None,
           as_json: bool) -> None:
    """Send a share of ROUTE's callers to the candidate, each caller always to the same side."""
    shares = _percents(steps)
    if percent is None and not shares:
        raise click.UsageError("give --percent N, or --steps with the percents to move through")
    first, rest = (percent, shares) if percent is not None else (shares[0], shares[1:])
    seconds = _duration(interval)
    _apply(route, "canary", lambda current: state.canary(current, candidate=candidate, percent=first, steps=tuple(rest),
                                                          step_seconds=seconds),
           reason=reason, by=by, as_json=as_json)


def _percents(steps: str) -> list[float]:
    try:
        return [float(step) for step in steps.split(",") if step.strip()]
    except ValueError:
        raise click.BadParameter(f"{steps!r} is not a list of numbers like 5,25,50,100", param_hint="--steps") from None


def _duration(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    number, unit = text[:-1], text[-1:]
    if unit not in units or not number.replace(".", "", 1).isdigit():
        raise click.BadParameter(f"{text!r} is not a duration like 30s, 10m or 1h", param_hint="--interval")
    return float(number) * units[unit]


@click.command()
@click.argument("route")
@REASON
@BY
@JSON
def promote(route: str, reason: str, by: str | None, as_json: bool) -> None:
    """Make ROUTE's candidate its primary; the old primary stays as the fallback."""
    _apply(route, "promote", state.promote, reason=reason, by=by, as_json=as_json)


@click.command()
@click.argument("route")
@REASON
@BY
@JSON
def rollback(route: str, reason: str, by: str | None, as_json: bool) -> None:
    """Drop ROUTE's candidate, or after a promote make the fallback the primary again."""
    _apply(route, "rollback", state.rollback, reason=reason, by=by, as_json=as_json)




@click.command()
@click.argument("route")
@click.option("--limit", default=5, show_default=True, help="How many of the latest mismatches to show.")
@JSON
def diffs(route: str, limit: int, as_json: bool) -> None:
    """How ROUTE's candidate answers differ from its primary's: each field with its rate against the
    primary's own noise, and the latest mismatches (redacted)."""
    with control_store() as store:
        report = shadow_report(store.client, route, limit=limit)
    if as_json:
        print_json(report)
        return
    counts = report["counts"]
    print_line(f"{route}: {counts['compared']} compared, {counts['mismatched']} differed, {counts['dropped']} dropped "
               f"(queue full), {counts['skipped']} not copied; noise from {counts['noise_samples']} second answers")
    print_table("fields (reported: the candidate differs beyond the primary's own noise)",
                ("field", "candidate", "noise", "verdict"),
                [(field["path"], f"{field['candidate_rate']:.1%}", f"{field['noise_rate']:.1%}",
                  "REPORTED" if field["reported"] else "noise") for field in report["fields"]])
    for sample in report["samples"]:
        print_line(f"{sample['method']} {sample['path']} ({sample['request_id']}): {', '.join(sample['differences'])}")
        print_line(f"  primary   {sample['primary']['status']} {sample['primary']['body'][:200]}")
        print_line(f"  candidate {sample['candidate']['status']} {sample['candidate']['body'][:200]}")


COMMANDS = (status, history, shadow, canary, promote, rollback, diffs)
