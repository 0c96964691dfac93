"""The admin session and CSRF rules on their own, with a clock the test sets: a session lapses after
SESSION_SECONDS, a new admin token ends every session, and a CSRF token holds for its own session only."""

from __future__ import annotations

import asyncio

from strangler_proxy.dashboard.access import ADMIN_BY, ADMIN_COOKIE, SESSION_SECONDS, Access, Caller
from strangler_proxy.dashboard.web import Request
from strangler_proxy.pipeline import new_exchange
from tests.strangler_proxy.upstreams.processes import SIGNING_KEY

TOKEN = "rules-admin-token-0123456789abcdefghijklmnop"


class NobodySignedIn:
    """The identity stage's part, for a request that carries no monolith credential."""

    keys = [SIGNING_KEY]
    session_cookie = b"sessionid"

    async def __call__(self, exchange) -> None:
        return None


def access(token: str = TOKEN, now: float = 1_000_000.0) -> Access:
    return Access(admin_token=token, identity=NobodySignedIn(), clock=lambda: now)


def caller(gate: Access, cookie: str) -> Caller | None:
    scope = {"type": "http", "method": "GET", "path": "/_strangler/", "query_string": b"",
             "headers": [(b"cookie", f"{ADMIN_COOKIE}={cookie}".encode())]}
    return asyncio.run(gate.caller(Request(new_exchange(scope, None, None))))


def session(gate: Access) -> str:
    _, header = gate.session_cookie(secure=False)
    return header.decode().split(";")[0].split("=", 1)[1]


def test_an_admin_session_lapses_after_its_hours():
    made = session(access(now=1_000_000.0))
    assert caller(access(now=1_000_000.0 + SESSION_SECONDS - 1), made) == Caller(ADMIN_BY, made)
    assert caller(access(now=1_000_000.0 + SESSION_SECONDS + 1), made) is None


def test_a_new_admin_token_ends_every_session():
    made = session(access())
    assert caller(access(token=TOKEN + "-rotated"), made) is None
    assert caller(Access(admin_token=None, identity=NobodySignedIn()), made) is None


def test_a_csrf_token_holds_for_its_own_session_only():
    gate = access()
    first, second = Caller(ADMIN_BY, session(gate)), Caller(ADMIN_BY, session(gate))
    assert first.cookie != second.cookie
    assert gate.csrf_holds(first, gate.csrf_token(first))
    assert not gate.csrf_holds(first, gate.csrf_token(second))
    assert not gate.csrf_holds(first, "")
    assert gate.csrf_holds(Caller(ADMIN_BY, None), "")  # let in by a header: no browser forged it
