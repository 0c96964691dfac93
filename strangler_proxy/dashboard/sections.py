"""The dashboard's sections, each a function from the facts to its HTML: the summary, the routes in match
order, a card per moving route (its split or its shadow diffs, its verdict), breakers, migration progress
and the audit history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from strangler_proxy.control.store import AuditRecord
from strangler_proxy.dashboard import forms
from strangler_proxy.dashboard.diffview import side_by_side
from strangler_proxy.dashboard.facts import Arm, Facts, RouteFacts
from strangler_proxy.dashboard.markup import (
    ago,
    badge,
    count,
    e,
    join,
    latency,
    moment,
    number,
    rate,
    row,
    share,
    state_brief,
    table,
)
from strangler_proxy.dashboard.progress import MONOLITH, Progress, Share
from strangler_proxy.table import Mode, Route

OUTCOME_CLASS = {"pass": "pass", "fail": "fail", "not enough data": "hold"}
BREAKER_CLASS = {"closed": "pass", "half-open": "hold", "open": "fail"}
# Rows of requests per route and upstream in the progress panel.
BY_ROUTE_SHOWN = 8


def current_verdict(facts: RouteFacts) -> dict[str, Any] | None:
    """The judge's verdict on the route's present state (one from before its last change is stale)."""
    verdict = facts.verdict
    return verdict if verdict is not None and float(verdict.get("at", 0)) >= facts.route.since else None


def verdict_badge(verdict: dict[str, Any] | None) -> str:
    if verdict is None:
        return '<span class="muted">–</span>'
    return badge(verdict["outcome"], OUTCOME_CLASS.get(verdict["outcome"], "hold"))


def mode_badge(route: Route) -> str:
    if route.mode is Mode.CANARY:
        return badge(f"canary {share(route.percent)}", "canary")
    if route.mode is Mode.SHADOW:
        return badge("shadow", "shadow")
    return badge("serving", "none")


# ---------------------------------------------------------------- summary
def summary(facts: Facts, breakers: Mapping[str, str]) -> str:
    modes = [item.route.mode for item in facts.routes]
    failing = sum(1 for item in facts.routes if (current_verdict(item) or {}).get("outcome") == "fail")
    opened = sum(1 for state in breakers.values() if state != "closed")
    monolith = facts.table.routes[-1].upstream  # the catch-all's: what has not moved yet
    moved = sum(1 for item in facts.routes if item.route.upstream != monolith)
    last = facts.history[0] if facts.history else None
    last_note = f"{last.route} by {last.by}, {ago(last.at, facts.read_at)}" if last else "no change yet"
    tiles = [
        _tile("routes", count(len(facts.routes)), f"{moved} served by a service"),
        _tile("canaries", count(modes.count(Mode.CANARY)), "callers split", "canary" if Mode.CANARY in modes else ""),
        _tile("shadows", count(modes.count(Mode.SHADOW)), "answers compared", "shadow" if Mode.SHADOW in modes else ""),
        _tile("failing verdicts", count(failing), "judge says roll back", "fail" if failing else "pass"),
        _tile("breakers open", count(opened), "in this process", "fail" if opened else "pass"),
        _tile("last change", e(last.action) if last else "–", last_note),
    ]
    return f'<section id="summary" class="tiles" aria-label="summary" data-live>{join(tiles)}</section>'


def _tile(label: str, value: str, note: str, tone: str = "") -> str:
    return (f'<div class="tile {e(tone)}"><div class="label">{e(label)}</div><div class="value">{value}</div>'
            f'<div class="note">{e(note)}</div></div>')


# ---------------------------------------------------------------- the routes
def routes(facts: Facts) -> str:
    rows = [row(f"num:{index}", f"<b>{e(item.route.id)}</b>", _prefix(item.route), e(item.route.upstream),
                e(item.route.candidate or "–"), mode_badge(item.route), _share(item.route),
                e(item.route.fallback or "–"), verdict_badge(current_verdict(item)))
            for index, item in enumerate(facts.routes, start=1)]
    head = ("num:#", "route", "prefix", "primary", "candidate", "mode", "share", "fallback", "verdict")
    return _panel("routes", "Routes", "in match order: the first that matches wins",
                  table(head, rows, css="routes"))


def _prefix(route: Route) -> str:
    methods = f' <small>{e(" ".join(sorted(route.methods)))}</small>' if route.methods else ""
    return f"<code>{e(route.prefix)}</code>{methods}"


def _share(route: Route) -> str:
    if route.mode is Mode.CANARY:
        return f'<progress max="100" value="{route.percent:g}"></progress> {e(share(route.percent))}'
    if route.mode is Mode.SHADOW:
        return f"copies <small>writes: {e(route.writes.value)}</small>"
    return '<span class="muted">all</span>'


# ---------------------------------------------------------------- moving routes
def moving(facts: Facts, breakers: Mapping[str, str], csrf: str) -> str:
    cards = [_canary_card(item, breakers, csrf, facts.read_at) if item.route.mode is Mode.CANARY
             else _shadow_card(item, csrf, facts.read_at) for item in facts.moving]
    body = join(cards) or '<p class="empty">No route is moving: every route is served by its primary alone.</p>'
    return _panel("moving", "Moving routes", "canaries and shadows, as the judge sees them",
                  f'<div class="cards">{body}</div>')


def _card_head(route: Route) -> str:
    return (f'<header><h3>{e(route.id)}</h3><code>{e(route.prefix)}</code>{mode_badge(route)}'
            f'<span class="flow">{e(route.upstream)} <span aria-hidden="true">→</span> '
            f'{e(route.candidate or "")}</span>'
            f"</header>")


def _canary_card(item: RouteFacts, breakers: Mapping[str, str], csrf: str, now: float) -> str:
    route = item.route
    arms = table(("arm", "upstream", "num:requests", "num:errors", "num:error rate", "num:p99"),
                 [_arm_row(arm) for arm in item.arms], css="arms")
    breaker = _breaker_badge(breakers.get(route.candidate or "", "closed"))
    steps = f" · next steps {', '.join(share(step) for step in route.steps)}" if route.steps else ""
    main = (f'<p class="split"><progress max="100" value="{route.percent:g}"></progress> {e(share(route.percent))} '
            f"of callers go to the candidate{e(steps)} · breaker {breaker}</p>"
            f"<h4>Live split <small>since the last change, whole fleet</small></h4>{arms}")
    side = (f"{_verdict_block(current_verdict(item), now)}"
            f'<div class="actions">{forms.promote(route.id, csrf)}{forms.rollback(route.id, csrf)}</div>')
    return (f'<article class="card canary">{_card_head(route)}<div class="card-body"><div class="main">{main}</div>'
            f'<div class="side">{side}</div></div></article>')


def _arm_row(arm: Arm) -> str:
    tone = "fail" if arm.error_rate else ""
    return row(badge(arm.name, arm.name), e(arm.upstream), f"num:{count(arm.requests)}", f"num:{count(arm.errors)}",
               f'num:<span class="{tone}">{rate(arm.error_rate)}</span>', f"num:{latency(arm.p99_seconds)}")


def _shadow_card(item: RouteFacts, csrf: str, now: float) -> str:
    route, report = item.route, item.shadow or {}
    counts = report.get("counts", {})
    figures = join(f'<div><dt>{e(label)}</dt><dd>{value}</dd></div>' for label, value in (
        ("compared", count(counts.get("compared", 0))), ("differed", count(counts.get("mismatched", 0))),
        ("diff rate", rate(report.get("diff_rate", 0.0))), ("dropped", count(counts.get("dropped", 0))),
        ("not copied", count(counts.get("skipped", 0)))))
    fields = table(("field", "num:candidate differs", "num:noise", "verdict"),
                   [row(f"<code>{e(field['path'])}</code>", f"num:{rate(field['candidate_rate'])}",
                        f"num:{rate(field['noise_rate'])}",
                        badge("reported", "fail") if field["reported"] else badge("noise", "none"))
                    for field in sorted(report.get("fields", []), key=_reported_first)],
                   css="fields", empty="No field has differed yet.")
    main = (f'<dl class="figures">{figures}</dl>'
            f"<h4>Fields <small>reported: the candidate differs beyond the primary's own noise</small></h4>{fields}")
    side = (f"{_verdict_block(current_verdict(item), now)}"
            f'<div class="actions">{forms.canary_from_shadow(route, csrf)}{forms.promote(route.id, csrf)}'
            f"{forms.rollback(route.id, csrf)}</div>")
    return (f'<article class="card shadow">{_card_head(route)}<div class="card-body"><div class="main">{main}</div>'
            f'<div class="side">{side}</div></div>{_latest_mismatch(report, route, now)}</article>')


def _reported_first(field: Mapping[str, Any]) -> tuple[bool, str]:
    return not field["reported"], field["path"]


def _latest_mismatch(report: Mapping[str, Any], route: Route, now: float) -> str:
    samples = report.get("samples") or []
    if not samples:
        return "<h4>Latest mismatch</h4><p class=\"empty\">No answer has differed yet.</p>"
    sample = samples[0]
    differences = join(f"<li><code>{e(path)}</code></li>" for path in sample.get("differences", []))
    return (f"<h4>Latest mismatch <small>{e(sample.get('method', ''))} <code>{e(sample.get('path', ''))}</code> · "
            f"{moment(float(sample.get('at', now)), now)} · request {e(sample.get('request_id', ''))}</small></h4>"
            f'<ul class="differences">{differences}</ul>'
            f"{side_by_side(sample, primary=route.upstream, candidate=route.candidate or '')}")


def _verdict_block(verdict: dict[str, Any] | None, now: float) -> str:
    if verdict is None:
        return ('<div class="verdict"><h4>Verdict</h4><p><span class="badge hold">not judged yet</span> '
                '<span class="muted">the judge looks every 5 s</span></p></div>')
    figures = verdict.get("figures", {})
    details = _canary_figures(figures) if "statistic" in figures else _shadow_figures(figures)
    return (f'<div class="verdict {OUTCOME_CLASS.get(verdict["outcome"], "hold")}">'
            f'<h4>Verdict <small class="when">{moment(float(verdict["at"]), now)}</small></h4>'
            f'<p>{verdict_badge(verdict)} <span class="reason">{e(verdict.get("reason", ""))}</span></p>'
            f'<dl class="figures small">{details}</dl></div>')


def _canary_figures(figures: Mapping[str, Any]) -> str:
    requests, errors, tails = figures.get("requests", {}), figures.get("error_rate", {}), figures.get("p99_seconds", {})
    items = (
        ("n primary / candidate", f"{count(requests.get('primary'))} / {count(requests.get('candidate'))}"),
        ("error rate", f"{rate(errors.get('primary'))} / {rate(errors.get('candidate'))}"),
        ("mSPRT vs threshold", f"{number(figures.get('statistic'))} / {number(figures.get('threshold'), 0)}"),
        ("p99", f"{latency(tails.get('primary'))} / {latency(tails.get('candidate'))} "
                f"(limit {number(figures.get('p99_ratio_limit'), 1)}×)"),
    )
    return join(f"<div><dt>{e(label)}</dt><dd>{e(value)}</dd></div>" for label, value in items)


def _shadow_figures(figures: Mapping[str, Any]) -> str:
    items = (("compared", count(figures.get("compared"))), ("differed", count(figures.get("mismatched"))),
             ("diff rate vs limit", f"{rate(figures.get('diff_rate'))} / {rate(figures.get('max_diff_rate'))}"))
    return join(f"<div><dt>{e(label)}</dt><dd>{e(value)}</dd></div>" for label, value in items)


# ---------------------------------------------------------------- breakers, progress, history
def breaker_states(facts: Facts, breakers: Mapping[str, str], pid: int) -> str:
    used: dict[str, list[str]] = {}
    for item in facts.routes:
        if item.route.candidate is not None:
            used.setdefault(item.route.candidate, []).append(item.route.id)
    names = sorted(set(used) | set(breakers))
    rows = [row(f"<b>{e(name)}</b>", _breaker_badge(breakers.get(name, "closed")),
                e(", ".join(used.get(name, [])) or "–")) for name in names]
    return _panel("breakers", "Breakers", f"kept by each proxy process; these are pid {pid}'s",
                  table(("candidate", "state", "routes"), rows, empty="No route has a candidate."))


def _breaker_badge(state: str) -> str:
    return badge(state, BREAKER_CLASS.get(state, "hold"))


def progress(found: Progress, now: float) -> str:
    """The migration's two figures: URL patterns served beside the monolith (from the last published
    inventory) and the last hour's requests answered beside it, with the requests per route and upstream."""
    figures = (_figure("URL patterns moved", found.patterns) if found.patterns is not None else
               '<div><dt>URL patterns moved</dt><dd class="muted">not listed</dd></div>')
    figures += _figure(f"requests moved, last {found.window_minutes} min", found.requests)
    if found.inventory is not None:
        listed = (f'<p class="muted">Patterns of {e(found.inventory.source)}, listed '
                  f"{moment(found.inventory.at, now)}; placed on the routes in force.</p>")
    else:
        listed = ('<p class="placeholder">No URL inventory yet: run <code>strangler inventory --publish</code> '
                  "where the monolith's settings import, to list its URL patterns here.</p>")
    total = found.requests.total
    rows = [row(f"<b>{e(route)}</b>", badge(upstream, "none" if upstream == MONOLITH else "candidate"),
                f"num:{count(requests)}", f"num:{rate(requests / total)}")
            for route, upstream, requests in found.by_route[:BY_ROUTE_SHOWN]]
    served = table(("route", "served by", "num:requests", "num:share"), rows,
                   empty=f"No request went through the proxies in the last {found.window_minutes} minutes.")
    return _panel("progress", "Migration progress", f"served by an upstream other than {MONOLITH}",
                  f'<dl class="figures">{figures}</dl>{listed}{served}')


def _figure(label: str, found: Share) -> str:
    fraction = found.fraction
    bar = f'<progress max="{found.total}" value="{found.moved}"></progress> ' if found.total else ""
    return (f"<div><dt>{e(label)}</dt><dd>{bar}{e(rate(fraction) if fraction is not None else '–')} "
            f"<small>{e(count(found.moved))} of {e(count(found.total))}</small></dd></div>")


def history(records: tuple[AuditRecord, ...], now: float) -> str:
    rows = [row(moment(record.at, now), f"<b>{e(record.route)}</b>", badge(record.action, record.action),
                f'{e(state_brief(record.before))} <span aria-hidden="true">→</span> {e(state_brief(record.after))}',
                e(record.by), e(record.reason) if record.reason else '<span class="muted">–</span>')
            for record in records]
    return _panel("history", "Changes", "newest first, from the audit log; the judge signs as strangler-judge",
                  table(("when (UTC)", "route", "action", "before → after", "by", "reason"), rows, css="history",
                        empty="No change has been made yet."))


def _panel(anchor: str, title: str, note: str, body: str) -> str:
    return (f'<section id="{e(anchor)}" class="panel" data-live><h2>{e(title)} <small>{e(note)}</small></h2>'
            f"{body}</section>")
