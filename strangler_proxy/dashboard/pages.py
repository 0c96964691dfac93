"""Whole pages: the dashboard itself, and the page a browser gets when it may not see it (401, 403)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from strangler_proxy.dashboard import datamigration, forms, sections
from strangler_proxy.dashboard.facts import Facts
from strangler_proxy.dashboard.markup import clock, e
from strangler_proxy.dashboard.progress import Progress

REFRESH_SECONDS = 5
ASSETS = ('<link rel="stylesheet" href="/_strangler/dashboard.css">'
          '<script src="/_strangler/dashboard.js" defer></script>')


@dataclass(frozen=True)
class Process:
    """The proxy process that drew the page: its pid, and the version of the live states it has taken."""

    pid: int
    version: int


@dataclass(frozen=True)
class Flash:
    """What became of the change just asked for: "done" or "refused", and what to say."""

    kind: str
    text: str


def _head(title: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{e(title)}</title>{ASSETS}</head>")


def dashboard(*, facts: Facts, breakers: Mapping[str, str], csrf: str, by: str, process: Process,
              progress: Progress, modules: Sequence[dict[str, Any]] = (), flash: Flash | None = None) -> bytes:
    notice = ""
    if flash is not None:
        said = "Done" if flash.kind == "done" else "Refused, nothing changed"
        notice = f'<div class="flash {e(flash.kind)}" role="status"><b>{said}:</b> {e(flash.text)}</div>'
    body = (
        f'<body data-refresh="{REFRESH_SECONDS}"{" data-flash" if flash else ""}>'
        f'<header class="top"><div class="brand"><span class="mark" aria-hidden="true"></span>Strangler '
        f'<span class="sub">routes in force</span></div>'
        f'<div class="meta"><span id="refresh" class="live-dot">live · every {REFRESH_SECONDS} s</span>'
        f'<span id="read-at" data-live>read {e(clock(facts.read_at))} UTC</span>{_sync(facts, process)}'
        f'<span class="who">signed in as <b>{e(by)}</b></span></div></header>'
        f"<main>{notice}"
        f"{sections.summary(facts, breakers)}"
        f"{sections.routes(facts)}"
        f"{sections.moving(facts, breakers, csrf)}"
        f'<div class="columns">{forms.controls(facts.table, csrf)}'
        f'<div class="stack">{sections.breaker_states(facts, breakers, process.pid)}'
        f"{sections.progress(progress, facts.read_at)}</div></div>"
        f"{datamigration.section(modules)}"
        f"{sections.history(facts.history, facts.read_at)}"
        f"</main></body></html>"
    )
    return (_head("Strangler · routes") + body).encode()


def _sync(facts: Facts, process: Process) -> str:
    """Whether this process serves the latest live states (it polls for them every half second)."""
    caught_up = process.version == facts.version
    text = f"states v{facts.version}" if caught_up else f"states v{process.version} of v{facts.version}: catching up"
    return (f'<span id="sync" class="{"" if caught_up else "behind"}" data-live data-version="{process.version}" '
            f'title="the live route states this proxy process (pid {process.pid}) serves">{e(text)}</span>')


def refusal(status: int, title: str, text: str, *, hint: str = "") -> bytes:
    """The page for a browser that may not go on (401 sign in, 403 a form that did not come from here)."""
    hint_html = f"<p>{hint}</p>" if hint else ""
    body = (f'<body class="refusal"><main class="refused"><p class="code">{status}</p><h1>{e(title)}</h1>'
            f"<p>{e(text)}</p>{hint_html}</main></body></html>")
    return (_head(f"{status} · Strangler") + body).encode()


SIGN_IN_HINT = ("Sign in to the shop as a staff user and come back, or open "
                "<code>/_strangler/?token=&lt;PROXY_ADMIN_TOKEN&gt;</code> once: the browser then keeps an "
                "8-hour session cookie. Scripts send <code>Authorization: Bearer &lt;PROXY_ADMIN_TOKEN&gt;</code>.")
