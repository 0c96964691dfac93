"""The change forms: each a POST to /_strangler/change carrying the CSRF token, the action and its fields,
and a `data-confirm` question the page's script asks (its {field} places filled from the form) before
it is sent."""

from __future__ import annotations

from collections.abc import Iterable

from strangler_proxy.dashboard.markup import e, join
from strangler_proxy.table import Route, RouteTable, Writes

CHANGE_PATH = "/_strangler/change"
CONFIRM = {
    "shadow": "Shadow {route}: send {candidate} a copy of each request (writes: {writes})?",
    "canary": "Send {percent} % of the callers of {route} to {candidate}?",
    "promote": "Promote {route}: its candidate becomes the primary, the primary its fallback?",
    "rollback": "Roll back {route}? Reason: {reason}",
}


def _form(action: str, csrf: str, fields: str, button: str, *, css: str = "") -> str:
    return (f'<form class="change {e(css)}" method="post" action="{CHANGE_PATH}" data-confirm="{e(CONFIRM[action])}">'
            f'{_hidden("csrf", csrf)}{_hidden("action", action)}{fields}'
            f'<button type="submit" class="{e(action)}">{e(button)}</button></form>')


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{e(name)}" value="{e(value)}">'


def _reason(*, required: bool) -> str:
    hint = "why (for the history)" if required else "why (optional)"
    return (f'<label class="grow"><span>Reason</span><input type="text" name="reason" maxlength="300" '
            f'placeholder="{e(hint)}"{" required" if required else ""}></label>')


def _percent(value: str = "") -> str:
    return (f'<label><span>Percent</span><input type="number" name="percent" min="0.01" max="100" step="any" '
            f'value="{e(value)}" required inputmode="decimal"></label>')


def _select(name: str, label: str, options: Iterable[str], *, chosen: str = "") -> str:
    """A required choice; without `chosen`, the person must pick one."""
    choices = "" if chosen else '<option value="" selected disabled>choose…</option>'
    choices += join(f'<option value="{e(option)}"{" selected" if option == chosen else ""}>{e(option)}</option>'
                    for option in options)
    return f'<label><span>{e(label)}</span><select name="{e(name)}" required>{choices}</select></label>'


# ---------------------------------------------------------------- a moving route's own buttons
def promote(route_id: str, csrf: str) -> str:
    return _form("promote", csrf, _hidden("route", route_id), "Promote", css="inline")


def rollback(route_id: str, csrf: str) -> str:
    return _form("rollback", csrf, _hidden("route", route_id) + _reason(required=True), "Roll back", css="inline")


def canary_from_shadow(route: Route, csrf: str) -> str:
    fields = _hidden("route", route.id) + _hidden("candidate", route.candidate or "") + _percent("5")
    return _form("canary", csrf, fields, "Start canary", css="inline")


# ---------------------------------------------------------------- any route
def controls(table: RouteTable, csrf: str) -> str:
    """The panel of the four changes, for any route of the table (outside the refreshed parts, so the
    page never changes under a person filling it in)."""
    routes = [route.id for route in table.routes]
    upstreams = list(table.upstreams)
    route, candidate = _select("route", "Route", routes), _select("candidate", "Candidate", upstreams)
    writes = _select("writes", "Writes", [mode.value for mode in Writes], chosen=Writes.SKIP.value)
    rows = (
        ("Shadow", "the candidate gets a copy of each request; clients keep the primary's answer",
         _form("shadow", csrf, route + candidate + writes + _reason(required=False), "Shadow…")),
        ("Canary", "a share of callers, each always on the same side, goes to the candidate",
         _form("canary", csrf, route + candidate + _percent() + _reason(required=False), "Start canary…")),
        ("Promote", "the candidate becomes the primary; the old primary stays as the fallback",
         _form("promote", csrf, route + _reason(required=False), "Promote…")),
        ("Roll back", "drop the candidate, or after a promote go back to the fallback",
         _form("rollback", csrf, route + _reason(required=True), "Roll back…")),
    )
    body = join(f'<div class="control"><h3>{e(title)}</h3><p class="muted">{e(note)}</p>{form}</div>'
                for title, note, form in rows)
    return (f'<section id="controls" class="panel"><h2>Change a route <small>checked against the whole table '
            f"and written to the history; every proxy takes it within a second</small></h2>"
            f'<div class="controls">{body}</div></section>')
