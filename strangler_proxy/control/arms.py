"""Which side of a canary a request goes to: sticky per caller, monotone in the percentage.

The caller is the signed-in user when there is one, else a first-party cookie the proxy sets on the
first answer (`strangler_caller`, HttpOnly, SameSite=Lax, a year). The caller and the route are hashed
(BLAKE2b, the same in every process and after restarts) to a point in [0, 100); the caller gets the
candidate when that point is below the route's percent. Raising the percent only adds callers to the
candidate; nobody goes back and forth.

A tester (and the tests) can pin the side with `X-Strangler-Arm: candidate|primary`, honoured only
together with a valid internal signature (`X-Strangler-Internal`, chassis.identity.sign_internal);
a client cannot use it, and neither header ever goes upstream (the identity stage strips them).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from chassis.identity import verify_internal
from strangler_proxy.exchange import Exchange
from strangler_proxy.table import Mode, Route

CALLER_COOKIE = "strangler_caller"
ARM_HEADER = b"x-strangler-arm"
INTERNAL_HEADER = b"x-strangler-internal"
PRIMARY, CANDIDATE = "primary", "candidate"
_COOKIE_MAX_AGE = 365 * 24 * 3600


def point(route_id: str, caller: str) -> float:
    """The caller's fixed place on the route's 0–100 line."""
    digest = hashlib.blake2b(f"{route_id}\x1f{caller}".encode(), digest_size=8).digest()
    return int.from_bytes(digest) % 10_000 / 100


class ArmChooser:
    """Two stages: `read_override` (before identity strips the headers) and `choose` (after limits)."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = list(keys)

    def read_override(self, exchange: Exchange) -> None:
        route = exchange.route
        if route is None or route.mode is not Mode.CANARY:
            return  # only a canary has sides to pin: no header scan for every other request
        value = exchange.header(ARM_HEADER)
        if value is None or value not in (b"candidate", b"primary"):
            return
        proof = exchange.header(INTERNAL_HEADER)
        if proof is not None and verify_internal(proof.decode("latin-1"), keys=self.keys):
            exchange.arm = value.decode()

    def choose(self, exchange: Exchange) -> None:
        route = exchange.route
        if route is None or route.mode is not Mode.CANARY or route.candidate is None:
            return
        if not exchange.arm:
            exchange.arm = CANDIDATE if point(route.id, self._caller(exchange)) < route.percent else PRIMARY
        exchange.target = route.candidate if exchange.arm == CANDIDATE else route.upstream

    def _caller(self, exchange: Exchange) -> str:
        if exchange.identity.is_authenticated:
            return f"user:{exchange.identity.user_id}"
        cookie = _cookie(exchange, CALLER_COOKIE)
        if cookie is None:
            cookie = secrets.token_hex(16)
            exchange.set_cookie = (f"{CALLER_COOKIE}={cookie}; Max-Age={_COOKIE_MAX_AGE}; Path=/; HttpOnly; "
                                   "SameSite=Lax").encode()
        return f"cookie:{cookie}"


def _cookie(exchange: Exchange, name: str) -> str | None:
    wanted = name + "="
    for header, value in exchange.headers:
        if header != b"cookie":
            continue
        for part in value.decode("latin-1").split(";"):
            part = part.strip()
            if part.startswith(wanted) and len(part) > len(wanted):
                return part[len(wanted):]
    return None


def arm_of(route: Route, caller: str) -> str:
    """The side a caller lands on for `route` (for tools and tests that ask without a request)."""
    if route.mode is not Mode.CANARY:
        return PRIMARY
    return CANDIDATE if point(route.id, caller) < route.percent else PRIMARY
