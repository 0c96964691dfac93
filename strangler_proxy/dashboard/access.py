"""Who may see the dashboard and change routes with it, and the proof that a change form came from it.

Callers are let in by the first of these that holds; anyone else is answered 401:

    Authorization: Bearer <PROXY_ADMIN_TOKEN>    a script or API client (the scheme in any letter case; the
                                                 token compared in constant time); `by` is "admin-token"
    the admin cookie                             a browser that opened /_strangler/?token=<PROXY_ADMIN_TOKEN>
                                                 once; `by` is "admin-token"
    a staff user of the monolith                 the monolith's session cookie or `Authorization: Token`,
                                                 resolved by the proxy's identity stage as for any request;
                                                 `by` is the username

A wrong bearer token is refused outright, whatever else the request carries. Without PROXY_ADMIN_TOKEN
only staff get in.

The admin cookie (`strangler_admin`, HttpOnly, SameSite=Strict, Path=/_strangler/, Secure over HTTPS)
never holds the token: it holds its expiry, a random session id and an HMAC-SHA256 of both under the token,
so it lapses after SESSION_SECONDS, each sign-in is a session of its own (with its own CSRF token), and
changing PROXY_ADMIN_TOKEN ends every session at once.

CSRF. A change made with a cookie (the admin cookie or the monolith's session cookie) must carry the form
field `csrf`: an HMAC-SHA256 of that cookie's value under the proxy's first identity signing key. The page
writes it into every form it serves; another site can neither read nor compute it, and the admin cookie is
not even sent on a request another site starts. A change authorised by its Authorization header (the
bearer token, an API token) needs none: a browser never adds such a header by itself.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from chassis.identity import ANONYMOUS, Identity
from strangler_proxy.dashboard.web import Request, cookie
from strangler_proxy.exchange import Exchange

ADMIN_COOKIE = "strangler_admin"
ADMIN_BY = "admin-token"
SESSION_SECONDS = 8 * 3600  # a working day
COOKIE_PATH = "/_strangler/"
_SESSION_SALT = b"strangler.dashboard.session\x00"
_CSRF_SALT = b"strangler.dashboard.csrf\x00"


class ResolvesCaller(Protocol):
    """The proxy's identity stage (identity/stage.py): sets `exchange.identity`, may raise Rejection."""

    keys: list[str]
    session_cookie: bytes

    async def __call__(self, exchange: Exchange) -> None: ...


@dataclass(frozen=True)
class Caller:
    """Someone let in: the name changes are made under, and the cookie a change form must be bound to
    (None when the caller was let in by a header, which needs no CSRF token)."""

    by: str
    cookie: str | None


def is_staff(identity: Identity) -> bool:
    """Whether the signed-in caller is staff.

    chassis.identity.Identity carries no staff flag yet (the monolith's /internal/identity answers user
    id, username and email only), so until it does this is False for everyone and only the admin token
    lets a person in. Read by name so that the flag needs no change here once it is carried: an
    `is_staff: bool` field on Identity, written into the identity document by the monolith and read back
    by the edge (tests/strangler_proxy/dashboard/test_staff.py then passes and says so).
    """
    return identity.is_authenticated and getattr(identity, "is_staff", False) is True


class Access:
    """Decides who a dashboard request is from; made per request from what the proxy built at start-up."""

    def __init__(self, *, admin_token: str | None, identity: ResolvesCaller,
                 clock: Callable[[], float] = time.time) -> None:
        self.admin_token = admin_token.encode() if admin_token else None
        self.identity = identity
        self.clock = clock

    async def caller(self, request: Request) -> Caller | None:
        """Who is calling, or None (401). Raises Rejection when the identity stage cannot say (429, 503)."""
        scheme, _, token = (request.header(b"authorization") or "").strip().partition(" ")
        if scheme.lower() == "bearer":
            return Caller(ADMIN_BY, None) if self.is_admin_token(token.strip()) else None
        session = request.cookies.get(ADMIN_COOKIE)
        if session and self._valid_session(session):
            return Caller(ADMIN_BY, session)
        return await self._staff(request)

    def is_admin_token(self, token: str) -> bool:
        return self.admin_token is not None and hmac.compare_digest(token.encode(), self.admin_token)

    async def _staff(self, request: Request) -> Caller | None:
        # A copy: the stage strips and adds headers, and this request goes nowhere.
        probe = dataclasses.replace(request.exchange, headers=list(request.exchange.headers), identity=ANONYMOUS)
        await self.identity(probe)
        if not is_staff(probe.identity):
            return None
        session = request.cookies.get(self.identity.session_cookie.decode())
        return Caller(probe.identity.username or f"user {probe.identity.user_id}", session)

    # ---------------------------------------------------------------- the admin cookie
    def session_cookie(self, *, secure: bool) -> tuple[bytes, bytes]:
        """The Set-Cookie header of a new admin session (after a valid ?token=)."""
        session = f"{int(self.clock()) + SESSION_SECONDS}.{secrets.token_hex(16)}"
        return cookie(ADMIN_COOKIE, f"{session}.{self._session_mac(session)}", max_age=SESSION_SECONDS,
                      secure=secure, path=COOKIE_PATH)

    def _valid_session(self, value: str) -> bool:
        session, _, mac = value.rpartition(".")
        expires = session.partition(".")[0]
        if self.admin_token is None or not expires.isdigit() or int(expires) < self.clock():
            return False
        return hmac.compare_digest(mac, self._session_mac(session))

    def _session_mac(self, session: str) -> str:
        assert self.admin_token is not None
        return hmac.new(self.admin_token, _SESSION_SALT + session.encode(), hashlib.sha256).hexdigest()

    # ---------------------------------------------------------------- CSRF
    def csrf_token(self, caller: Caller) -> str:
        """The value the caller's change forms carry (empty when they need none)."""
        return csrf_token(self.identity.keys, caller.cookie) if caller.cookie is not None else ""

    def csrf_holds(self, caller: Caller, sent: str) -> bool:
        return caller.cookie is None or hmac.compare_digest(sent.encode(), self.csrf_token(caller).encode())


def csrf_token(keys: Sequence[str], bound_to: str) -> str:
    return hmac.new(keys[0].encode(), _CSRF_SALT + bound_to.encode(), hashlib.sha256).hexdigest()
