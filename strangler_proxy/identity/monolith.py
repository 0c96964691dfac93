"""Asking the monolith who a credential belongs to: `GET /internal/identity`, one short call.

Only cache misses come here (the first request of a session every IDENTITY_CACHE_SECONDS). The call goes
through a keep-alive pool of its own to MONOLITH_URL (forwarding/pool.py, the client the forwarder and
the readiness probes use), so it does not depend on how the route table names the monolith.

    LookupFailed    the monolith could not be asked, or answered something other than an identity
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import urlsplit

from chassis.identity import INTERNAL_HEADER, SESSION, Identity, NotAnIdentityDocument, identity_document, sign_internal
from chassis.identity import identity_from_document as chassis_identity_from_document
from strangler_proxy.forwarding.errors import ForwardingFailed
from strangler_proxy.forwarding.pool import UpstreamPool

__all__ = ["IDENTITY_PATH", "Lookup", "LookupFailed", "MonolithLookup", "identity_document", "identity_from_document"]

IDENTITY_PATH = "/internal/identity"
_MAX_RESPONSE_BYTES = 64 * 1024
# Lookups at once per process before the next waits; idle connections close before the monolith's own
# keep-alive (gunicorn: 5 s) would close them.
_POOL_SIZE = 8
_IDLE_SECONDS = 4.0

Lookup = Callable[[str, str], Awaitable[Identity]]
"""`await lookup(kind, credential)`: who the credential belongs to (ANONYMOUS-like when nobody)."""


class LookupFailed(Exception):
    """The monolith could not say who the caller is (unreachable, slow, or an unexpected answer)."""


class MonolithLookup:
    """Resolves a session id or API token through the monolith's internal identity endpoint."""

    def __init__(self, *, monolith_url: str, keys: Sequence[str], timeout: float, session_cookie: str,
                 host_header: str | None = None) -> None:
        parts = urlsplit(monolith_url)
        self.pool = UpstreamPool("monolith-identity", monolith_url, size=_POOL_SIZE, idle_timeout=_IDLE_SECONDS)
        self.host_header = (host_header or parts.netloc).encode()
        self.path = (parts.path.rstrip("/") + IDENTITY_PATH).encode()
        self.where = f"{parts.scheme}://{parts.netloc}{self.path.decode()}"
        self.keys = list(keys)
        self.timeout = timeout
        self.session_cookie = session_cookie

    async def __call__(self, kind: str, credential: str) -> Identity:
        try:
            status, body = await self.pool.fetch(self.path, self._headers(kind, credential), timeout=self.timeout,
                                                 max_body=_MAX_RESPONSE_BYTES)
        except ForwardingFailed as failure:
            raise LookupFailed(f"{self.where}: {failure}") from failure
        if status != 200:
            raise LookupFailed(f"{self.where} answered {status}")
        return identity_from_document(body)

    async def close(self) -> None:
        await self.pool.close()

    def _headers(self, kind: str, credential: str) -> list[tuple[bytes, bytes]]:
        # Only the one credential being resolved is sent, so the answer is about it alone. Credentials
        # are in canonical form (headers.py): letters and digits, which cannot break a header line.
        credential_header = ((b"cookie", f"{self.session_cookie}={credential}".encode()) if kind == SESSION
                             else (b"authorization", f"Token {credential}".encode()))
        # TLS ends in front of the proxy; saying so keeps the monolith's SECURE_SSL_REDIRECT from
        # answering this plain-HTTP call with a redirect, as for every request the proxy forwards.
        return [(b"host", self.host_header), (b"accept", b"application/json"), (b"x-forwarded-proto", b"https"),
                (INTERNAL_HEADER.lower().encode(), sign_internal(keys=self.keys).encode()), credential_header]


def identity_from_document(body: bytes | str) -> Identity:
    """The Identity in an identity document (chassis.identity's format); LookupFailed if `body` is none."""
    try:
        return chassis_identity_from_document(body)
    except NotAnIdentityDocument as exc:
        raise LookupFailed(str(exc)) from exc
