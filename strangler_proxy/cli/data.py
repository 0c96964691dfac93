"""`strangler data`: move a module's table from the monolith to its service, phase by phase (datasync).

    strangler data status [MODULE]          phase, owner, reads, outbox backlog, last backfill and reconciliation
    strangler data sync-on MODULE           capture the owner's writes in its outbox (both sides prepared)
    strangler data release MODULE ...       the release phase's part: sync on and the first backfill, once
    strangler data relay MODULE             the relay process (the Procfile runs one per module)
    strangler data backfill MODULE          copy every row, checksummed per batch, resumable
    strangler data verify MODULE [--repair] reconcile both sides; repair from the owner
    strangler data switch-reads MODULE      gated on zero differences
    strangler data switch-writes MODULE     gated; ownership flips, the sync reverses
    strangler data retire MODULE            gated; the origin's copy is frozen
    strangler data back MODULE              one phase back, losing no write

Each side's database is read from the variable its module names (DATABASE_URL for the monolith,
CATALOG_DATABASE_URL, CHECKOUT_DATABASE_URL); modules are listed by DATASYNC_MODULES.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from chassis.env import env_float, env_int
from chassis.logging import emit_line
from datasync import phases
from datasync.backfill import BackfillRefused
from datasync.reconcile import reconcile
from datasync.relay import RelaySettings, relay_forever
from datasync.spec import Module, SpecError, module_named, modules
from datasync.sql import DatabaseError
from datasync.store import Sides, current, open_sides, parked_rows
from datasync.summary import publisher_from_env, summary
from strangler_proxy.cli.output import print_json, print_line, print_table

json_option = click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")


@contextmanager
def _sides(name: str) -> Iterator[Sides]:
    """Both sides of module `name`; every state saved is also published for the dashboard when REDIS_URL is set."""
    publisher = publisher_from_env(os.environ)
    try:
        with open_sides(module_named(name), publisher=publisher) as sides:
            yield sides
    except (SpecError, DatabaseError, BackfillRefused, phases.PhaseRefused) as error:
        raise click.ClickException(str(error)) from None
    finally:
        if publisher is not None:
            publisher.close()


@click.group()
def data() -> None:
    """Move a module's data between the monolith and its service, each phase proven and reversible."""


@data.command()
@click.argument("module", required=False)
@json_option
def status(module: str | None, as_json: bool) -> None:
    """Where each module (or MODULE) stands."""
    try:
        names = [module] if module else sorted(modules())
    except SpecError as error:
        raise click.ClickException(str(error)) from None
    found = [_status_or_problem(name, only=module is not None) for name in names]
    if as_json:
        print_json(found)
        return
    print_table("Data migration", ("module", "phase", "owner", "reads", "backlog", "lag", "parked", "backfill",
                                   "last reconciliation"),
                [(item["module"], item["phase"], item["owner"] or "-", item["reads"], str(item["backlog"]),
                  _lag(item.get("lagSeconds")), str(item.get("parked", 0)), _backfilled(item["detail"].get("backfill")),
                  item.get("problem") or _reconciled(item["detail"].get("reconcile"))) for item in found])
    for item in found:
        for refused in item.get("refused", []):
            print_line(f"  {item['module']}: row {refused['key']} refused by {refused['side']} side: {refused['error']}")


def _status_or_problem(name: str, *, only: bool) -> dict[str, Any]:
    try:
        return _status(name)
    except click.ClickException as error:
        if only:
            raise
        return {"module": name, "phase": "unknown", "owner": None, "reads": "-", "backlog": 0,
                "detail": {}, "problem": error.message}


def _status(name: str) -> dict[str, Any]:
    with _sides(name) as sides:
        state = current(sides)
        found = summary(sides)
        triggers = {side: database.has_capture(sides.module) for side, database in sides.databases.items()}
        refused = [{"side": side, "key": key, "error": error, "at": at} for side, database in sides.databases.items()
                   for key, error, at in parked_rows(database, sides.module)]
    return {**state.as_dict(), "backlog": found["backlog"], "lagSeconds": found["lagSeconds"], "capture": triggers,
            "parked": found["parked"], "refused": refused}


def _lag(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f} s"


def _backfilled(report: dict[str, Any] | None) -> str:
    if not report:
        return "never"
    return f"{report['copied']} rows, {report['remaining']} in flight"


def _reconciled(found: dict[str, Any] | None) -> str:
    if not found:
        return "never"
    return (f"{found['at']}: {found['differences']} differences ({found['missing']} missing, {found['extra']} "
            f"extra, {found['differing']} differing)")


def _step(name: str, action: Callable[[Sides], phases.Step], as_json: bool, *, log: bool = False) -> None:
    with _sides(name) as sides:
        step = action(sides)
    if log:
        outcome = step.as_dict()
        outcome["datasync_module"] = outcome.pop("module")
        emit_line(os.environ.get("SERVICE_NAME", "datasync"), "datasync.phases",
                  f"{step.module}: {step.before} -> {step.after}", level="error" if step.problem else "info",
                  **outcome)
        return
    if as_json:
        print_json(step.as_dict())
        return
    print_line(f"{step.module}: {step.before} -> {step.after}")
    for proof in step.proofs:
        print_line(f"  {proof}")
    if step.problem:
        print_line(f"  {step.problem}")


@data.command(name="sync-on")
@click.argument("module")
@json_option
@click.option("--log", is_flag=True, help="Print the outcome as one JSON log line (for a release phase).")
def sync_on(module: str, as_json: bool, log: bool) -> None:
    """Prepare both sides and capture the owner's writes in its outbox, in the writing transaction."""
    _step(module, phases.sync_on, as_json, log=log)


@data.command(name="release")
@click.argument("modules", nargs=-1, required=True)
def release_step(modules: tuple[str, ...]) -> None:
    """For a release phase: sync on and the first backfill of each module, one JSON log line each; a
    module stepped back to off stays off."""
    for module in modules:
        _step(module, phases.release, as_json=False, log=True)


@data.command(name="switch-reads")
@click.argument("module")
@json_option
def switch_reads(module: str, as_json: bool) -> None:
    """Record that reads move to the service (gated on zero differences); move the route with `strangler promote`."""
    _step(module, phases.switch_reads, as_json)


@data.command(name="switch-writes")
@click.argument("module")
@json_option
def switch_writes(module: str, as_json: bool) -> None:
    """Hand the rows to the service (gated): the monolith refuses writes, the sync runs service → monolith."""
    _step(module, phases.switch_writes, as_json)


@data.command()
@click.argument("module")
@json_option
def retire(module: str, as_json: bool) -> None:
    """Stop keeping the monolith's copy (gated); it stays read-only."""
    _step(module, phases.retire, as_json)


@data.command()
@click.argument("module")
@json_option
def back(module: str, as_json: bool) -> None:
    """Step back one phase, losing no write."""
    _step(module, phases.back, as_json)


@data.command()
@click.argument("module")
@click.option("--batch", default=1000, show_default=True, type=click.IntRange(1, 100_000), help="Rows per batch.")
@click.option("--throttle-ms", default=0, show_default=True, type=click.IntRange(0, 60_000),
              help="Pause between batches, to spare the owner's database.")
@click.option("--settle-below", default=100, show_default=True, type=click.IntRange(0),
              help="Stop re-copying changed rows once a round finds at most this many.")
@json_option
def backfill(module: str, batch: int, throttle_ms: int, settle_below: int, as_json: bool) -> None:
    """Copy every row from the owner, checksummed per batch; killed and run again, it resumes."""
    with _sides(module) as sides:
        total = sides[current(sides).owner or sides.module.origin.name].count(sides.module)
        with _progress(total, enabled=not as_json) as advance:
            step, report = phases.start_backfill(sides, batch=batch, throttle_seconds=throttle_ms / 1000,
                                                 settle_below=settle_below, on_batch=advance)
    if as_json:
        print_json({**step.as_dict(), "backfill": report.as_dict()})
        return
    print_line(f"{step.module}: {step.before} -> {step.after}")
    print_line(f"  {report.copied} rows from {report.source} to {report.target} in {report.batches} batches, "
               f"{report.seconds} s" + (f" (resumed after {report.resumed_after!r})" if report.resumed_after else ""))
    for proof in step.proofs:
        print_line(f"  {proof}")


@contextmanager
def _progress(total: int, *, enabled: bool) -> Iterator[Callable[[int], None]]:
    if not enabled:
        yield lambda count: None
        return
    columns = (TextColumn("backfill"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("backfill", total=total)
        yield lambda count: progress.advance(task, count)


@data.command()
@click.argument("module")
@click.option("--repair", is_flag=True, help="Make the other side what the owner says.")
@json_option
def verify(module: str, repair: bool, as_json: bool) -> None:
    """Reconcile both sides by checksummed key ranges, down to the rows; exits 1 on any difference left."""
    with _sides(module) as sides:
        result = reconcile(sides, repair=repair)
        after = reconcile(sides) if result.repaired else result
    if as_json:
        print_json({**result.as_dict(), "after": after.as_dict() if result.repaired else None})
    else:
        _print_result(result, after)
    if after.differences:
        raise SystemExit(1)


def _print_result(result: Any, after: Any) -> None:
    print_line(f"{result.module}: {result.source} vs {result.target}: {result.differences} differences "
               f"({len(result.missing)} missing, {len(result.extra)} extra, {len(result.differing)} differing) "
               f"in {result.ranges} ranges, {result.seconds} s")
    for kind in ("missing", "extra", "differing"):
        keys = getattr(result, kind)
        if keys:
            print_line(f"  {kind}: {', '.join(keys[:20])}" + (" ..." if len(keys) > 20 else ""))
    if result.own_rows:
        print_line(f"  {result.own_rows} rows of {result.target}'s own (kept)")
    if result.repaired:
        print_line(f"  repaired {result.repaired} rows from {result.source}; now {after.differences} differences")


@data.command()
@click.argument("module")
@click.option("--batch", type=click.IntRange(1, 100_000), help="Events per batch (DATASYNC_RELAY_BATCH).")
def relay(module: str, batch: int | None) -> None:
    """Run the relay of MODULE until SIGTERM: the owner's outbox applied on the other side, once, in order."""
    from chassis.logging import configure

    configure(f"datasync-relay-{module}")
    try:
        found: Module = module_named(module)
    except SpecError as error:
        raise click.ClickException(str(error)) from None
    settings = RelaySettings(batch=batch or env_int("DATASYNC_RELAY_BATCH", 500, minimum=1),
                             idle_seconds=env_float("DATASYNC_RELAY_IDLE_SECONDS", 0.2, minimum=0.01),
                             keep_seconds=env_int("DATASYNC_KEEP_SECONDS", 86_400, minimum=1))
    relay_forever(found, settings)
