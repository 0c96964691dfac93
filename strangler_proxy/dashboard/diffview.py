"""A shadow mismatch as two answers side by side: status, kept headers and the body (pretty-printed when
it is JSON), line against line, the lines that differ marked on both sides."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any

from strangler_proxy.dashboard.markup import e, join


def answer_lines(answer: Mapping[str, Any]) -> list[str]:
    """A recorded answer (shadow/record.py: status, headers, body) as the lines shown for it."""
    lines = [f"HTTP {answer.get('status', '?')}"]
    lines += [f"{name}: {value}" for name, value in sorted(dict(answer.get("headers") or {}).items())]
    lines.append("")
    return lines + _body_lines(str(answer.get("body") or ""))


def _body_lines(body: str) -> list[str]:
    try:
        return json.dumps(json.loads(body), indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    except ValueError:  # not JSON, or cut short at the sample size
        return body.splitlines() or [""]


def aligned(left: list[str], right: list[str]) -> list[tuple[str | None, str | None, bool]]:
    """Rows of (left line, right line, differs); None where one side has no line facing the other's."""
    rows: list[tuple[str | None, str | None, bool]] = []
    # A JSON line gains a comma when a key comes after it on one side only: that is not a difference.
    matcher = difflib.SequenceMatcher(None, _uncomma(left), _uncomma(right), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [(ours, theirs, False) for ours, theirs in zip(left[i1:i2], right[j1:j2], strict=True)]
            continue
        ours, theirs = left[i1:i2], right[j1:j2]
        for index in range(max(len(ours), len(theirs))):
            rows.append((ours[index] if index < len(ours) else None,
                         theirs[index] if index < len(theirs) else None, True))
    return rows


def _uncomma(lines: list[str]) -> list[str]:
    return [line.removesuffix(",") for line in lines]


def side_by_side(sample: Mapping[str, Any], *, primary: str, candidate: str) -> str:
    """The table showing `sample`'s two answers; `primary` and `candidate` name their upstreams."""
    rows = aligned(answer_lines(sample.get("primary") or {}), answer_lines(sample.get("candidate") or {}))
    body = join(f'<tr class="{"differs" if differs else "same"}">{_cell(left, "left")}{_cell(right, "right")}</tr>'
                for left, right, differs in rows)
    return (f'<div class="diff"><table><thead><tr><th>primary · {e(primary)}</th><th>candidate · {e(candidate)}</th>'
            f'</tr></thead><tbody>{body}</tbody></table></div>')


def _cell(line: str | None, side: str) -> str:
    if line is None:
        return f'<td class="{side} gap"></td>'
    return f'<td class="{side}"><code>{e(line)}</code></td>'
