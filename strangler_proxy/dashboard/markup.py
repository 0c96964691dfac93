"""How the dashboard writes HTML and numbers: every value escaped through `e`, every figure formatted here
so a rate, a latency or a time reads the same in every section."""

from __future__ import annotations

import datetime
import html
import math
from collections.abc import Iterable, Mapping
from typing import Any


def e(value: object) -> str:
    """`value` as HTML text (quotes escaped too, so it is safe in an attribute)."""
    return html.escape(str(value), quote=True)


def join(parts: Iterable[str]) -> str:
    return "".join(parts)


def badge(text: str, kind: str) -> str:
    """A coloured label; `kind` names its colour class (pass, fail, hold, shadow, canary, open, ...)."""
    return f'<span class="badge {e(kind)}">{e(text)}</span>'


def table(head: Iterable[str], rows: Iterable[str], *, css: str = "", empty: str = "Nothing yet.") -> str:
    """A table whose `rows` are already `<tr>` markup; header cells named `num` are right-aligned."""
    rows = list(rows)
    if not rows:
        return f'<p class="empty">{e(empty)}</p>'
    cells = join(f'<th class="num">{e(name[4:])}</th>' if name.startswith("num:") else f"<th>{e(name)}</th>"
                 for name in head)
    return (f'<div class="scroll"><table class="{e(css)}"><thead><tr>{cells}</tr></thead>'
            f'<tbody>{join(rows)}</tbody></table></div>')


def row(*cells: str) -> str:
    """A `<tr>` of cells given as markup; a cell starting with `num:` is a right-aligned figure."""
    return "<tr>" + join(f'<td class="num">{cell[4:]}</td>' if cell.startswith("num:") else f"<td>{cell}</td>"
                         for cell in cells) + "</tr>"


# ---------------------------------------------------------------- figures
def count(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def rate(value: float | None) -> str:
    """A share as a percentage with two decimals (error and diff rates are small)."""
    return "–" if value is None else f"{value * 100:.2f} %"


def share(percent: float) -> str:
    """A canary's share of callers, as set."""
    return f"{percent:g} %"


def latency(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if math.isinf(seconds):
        return "> 30 s"
    return f"{seconds * 1000:,.0f} ms" if seconds < 1 else f"{seconds:g} s"


def number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def clock(at: float) -> str:
    """A moment as UTC time of day (with the date when it is not today)."""
    moment = datetime.datetime.fromtimestamp(at, datetime.UTC)
    today = datetime.datetime.now(datetime.UTC).date()
    return moment.strftime("%H:%M:%S" if moment.date() == today else "%Y-%m-%d %H:%M")


def ago(at: float, now: float) -> str:
    seconds = max(0, int(now - at))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


def moment(at: float, now: float) -> str:
    """A time with how long ago it was, the exact UTC instant on hover."""
    exact = datetime.datetime.fromtimestamp(at, datetime.UTC).isoformat(timespec="seconds")
    return f'<time datetime="{e(exact)}" title="{e(exact)}">{e(clock(at))}</time> <small>{e(ago(at, now))}</small>'


def state_brief(fields: Mapping[str, Any]) -> str:
    """A route state (RouteState.as_dict()) in a few words: the primary, and the candidate at work."""
    text = str(fields["upstream"])
    if fields.get("candidate"):
        mode = fields.get("mode", "none")
        detail = f" {share(float(fields['percent']))}" if mode == "canary" else ""
        text += f" + {fields['candidate']} ({mode}{detail})"
    return text
