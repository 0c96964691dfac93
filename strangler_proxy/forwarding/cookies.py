"""Which cookies each upstream may receive and set, so a route moved to a service cannot log a user out.

The monolith's session and CSRF cookies belong to it: its upstream names them (`owns_cookies =
["sessionid", "csrftoken"]` under `[upstreams.monolith]`). Every other upstream — an extracted service
with its own database, which knows none of the monolith's sessions — never receives those cookies (a
Django service that did would find the session unknown and delete the cookie, logging the user out of the
whole site), and a `Set-Cookie` for those names from it is dropped and counted. The signed identity is how
services learn who is calling. Cookies no upstream owns pass everywhere, as before.
"""

from __future__ import annotations

from collections.abc import Collection

from strangler_proxy.exchange import Headers


def cookies_for(headers: Headers, guarded: Collection[str], owned: Collection[str]) -> Headers:
    """`headers` with the guarded cookies this upstream does not own taken out of every Cookie header."""
    barred = {name for name in guarded if name not in owned}
    if not barred or not any(name == b"cookie" for name, _ in headers):
        return headers
    kept: Headers = []
    for name, value in headers:
        if name == b"cookie":
            value = _without(value, barred)
            if not value:
                continue
        kept.append((name, value))
    return kept


def _without(value: bytes, barred: set[str]) -> bytes:
    pairs = [part.strip() for part in value.split(b";")]
    return b"; ".join(pair for pair in pairs if pair and pair.split(b"=", 1)[0].decode("latin-1") not in barred)


def set_cookies_from(headers: Headers, guarded: Collection[str], owned: Collection[str]) -> tuple[Headers, list[str]]:
    """`headers` without the Set-Cookie lines for guarded cookies this upstream does not own, and their names."""
    barred = {name for name in guarded if name not in owned}
    if not barred:
        return headers, []
    kept: Headers = []
    dropped = []
    for name, value in headers:
        cookie = value.split(b"=", 1)[0].strip().decode("latin-1") if name == b"set-cookie" else ""
        if cookie in barred:
            dropped.append(cookie)
        else:
            kept.append((name, value))
    return kept, dropped
