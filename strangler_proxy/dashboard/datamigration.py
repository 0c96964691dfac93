"""The "Data migration" section: each module's data on its way from the monolith to its service, as the
datasync side last published it to Redis (datasync.published: a phase changed, a backfill batch committed,
a reconciliation ran). The proxy has no database access: it shows what was published, and when."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis

from datasync.published import published
from strangler_proxy.dashboard.markup import badge, count, e, row, table

PHASE_CLASS = {"off": "none", "sync": "shadow", "backfilled": "shadow", "reads": "canary", "writes": "promote",
               "retired": "pass"}


def read_modules(client: redis.Redis) -> list[dict[str, Any]]:
    """Every module's last published summary, by name."""
    return published(client)


def section(modules: Sequence[dict[str, Any]]) -> str:
    rows = [row(f"<b>{e(found['module'])}</b>", badge(found["phase"], PHASE_CLASS.get(found["phase"], "hold")),
                _owner(found), f"num:{e(count(found.get('backlog')))}", f"num:{e(_lag(found.get('lagSeconds')))}",
                f"num:{_parked(found.get('parked'))}",
                _backfill(found.get("backfill")), _reconciled(found.get("reconcile")),
                f'<span class="muted">{e(found.get("at", ""))}</span>')
            for found in modules]
    body = table(("module", "phase", "owner · reads", "num:backlog", "num:lag", "num:parked", "backfill",
                  "last reconciliation",
                  "published (UTC)"), rows, css="datasync",
                 empty="No module has published its data migration yet: it appears with its first "
                       "`strangler data` step (REDIS_URL set).")
    return (f'<section id="datasync" class="panel" data-live><h2>Data migration <small>per module, as '
            f"<code>strangler data</code> and the scheduled reconciliation last published it</small></h2>"
            f"{body}</section>")


def _owner(found: dict[str, Any]) -> str:
    owner = found.get("owner")
    held = e(owner) if owner else badge("switching: nobody writes", "hold")
    return f"{held} · {e(found.get('reads') or '–')}"


def _parked(rows: int | None) -> str:
    """Rows the other side refused from the relay: each needs a person (see `strangler data status`)."""
    return badge(f"{count(rows)} refused", "hold") if rows else e(count(rows or 0))


def _lag(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds:.1f} s"


def _backfill(report: dict[str, Any] | None) -> str:
    if not report:
        return '<span class="muted">not run</span>'
    if report.get("running"):
        total = int(report.get("total") or 0)
        copied = int(report.get("copied") or 0)
        bar = f'<progress max="{total}" value="{min(copied, total)}"></progress> ' if total else ""
        return f"{bar}{e(count(copied))} of {e(count(total))} rows <small>copying</small>"
    return (f"{e(count(report.get('copied')))} rows in {e(count(report.get('batches')))} batches, "
            f"{e(count(report.get('remaining')))} in flight")


def _reconciled(found: dict[str, Any] | None) -> str:
    if not found:
        return '<span class="muted">never</span>'
    differences = int(found.get("differences") or 0)
    said = "equal" if differences == 0 else f"{differences} difference{'s' * (differences != 1)}"
    verdict = badge(said, "pass" if differences == 0 else "fail")
    return (f"{verdict} <small>{e(count(found.get('missing')))} missing, {e(count(found.get('extra')))} extra, "
            f"{e(count(found.get('differing')))} differing · {e(found.get('at', ''))}</small>")
