"""Asking the monolith who a credential belongs to: `GET /internal/identity`, one short HTTP/1.0 call.

Only cache misses come here (the first request of a session every IDENTITY_CACHE_SECONDS), so a fresh
connection per call is cheap enough and keeps this independent of the forwarder's pools. HTTP/1.0 means
the answer is never chunked and ends when the monolith closes the connection.

    LookupFailed    the monolith could not be asked, or answered something other than an identity
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import urlsplit

from chassis.identity import INTERNAL_HEADER, SESSION, Identity, sign_internal

__all__ = ["IDENTITY_PATH", "Lookup", "LookupFailed", "MonolithLookup", "identity_document", "identity_from_document"]

IDENTITY_PATH = "/internal/identity"
_MAX_RESPONSE_BYTES = 64 * 1024

Lookup = Callable[[str, str], Awaitable[Identity]]
"""`await lookup(kind, credential)`: who the credential belongs to (ANONYMOUS-like when nobody)."""


class LookupFailed(Exception):
    """The monolith could not say who the caller is (unreachable, slow, or an unexpected answer)."""


class MonolithLookup:
    """Resolves a session id or API token through the monolith's internal identity endpoint."""

    def __init__(self, *, monolith_url: str, keys: Sequence[str], timeout: float, session_cookie: str,
                 host_header: str | None = None) -> None:
        parts = urlsplit(monolith_url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (443 if self.https else 80)
        self.host_header = host_header or parts.netloc
        self.path = parts.path.rstrip("/") + IDENTITY_PATH
        self.where = f"{parts.scheme}://{parts.netloc}{self.path}"
        self.keys = list(keys)
        self.timeout = timeout
        self.session_cookie = session_cookie

    async def __call__(self, kind: str, credential: str) -> Identity:
        try:
            async with asyncio.timeout(self.timeout):
                status, body = await self._get(self._request(kind, credential))
        except (OSError, EOFError, asyncio.LimitOverrunError, TimeoutError, ValueError, IndexError) as exc:
            raise LookupFailed(f"{self.where}: {exc.__class__.__name__} {exc}") from exc
        if status != 200:
            raise LookupFailed(f"{self.where} answered {status}")
        return identity_from_document(body)

    def _request(self, kind: str, credential: str) -> bytes:
        # Only the one credential being resolved is sent, so the answer is about it alone. Credentials
        # are in canonical form (headers.py): letters and digits, which cannot break a header line.
        credential_line = (f"Cookie: {self.session_cookie}={credential}" if kind == SESSION
                           else f"Authorization: Token {credential}")
        # TLS ends in front of the proxy; saying so keeps the monolith's SECURE_SSL_REDIRECT from
        # answering this plain-HTTP call with a redirect, as for every request the proxy forwards.
        return (f"GET {self.path} HTTP/1.0\r\nHost: {self.host_header}\r\nAccept: application/json\r\n"
                f"X-Forwarded-Proto: https\r\n{INTERNAL_HEADER}: {sign_internal(keys=self.keys)}\r\n"
                f"{credential_line}\r\n\r\n").encode()

    async def _get(self, request: bytes) -> tuple[int, bytes]:
        context = ssl.create_default_context() if self.https else None
        reader, writer = await asyncio.open_connection(self.host, self.port, ssl=context)
        try:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            body = b""
            while chunk := await reader.read(_MAX_RESPONSE_BYTES):
                body += chunk
                if len(body) > _MAX_RESPONSE_BYTES:
                    raise ValueError("identity answer too large")
        finally:
            writer.close()
        return int(head.split(b" ", 2)[1]), body


def identity_document(identity: Identity) -> str:
    """`identity` in the endpoint's JSON shape (the inverse of `identity_from_document`)."""
    if not identity.is_authenticated:
        return '{"user_id": null}'
    return json.dumps({"user_id": identity.user_id, "username": identity.username, "email": identity.email})


def identity_from_document(body: bytes | str) -> Identity:
    """The Identity in the endpoint's JSON (`{"user_id": "7", "username": ..., "email": ...}`)."""
    try:
        document = json.loads(body)
        user_id = document["user_id"]
    except (ValueError, TypeError, KeyError) as exc:
        raise LookupFailed(f"not an identity document: {exc}") from exc
    if user_id is None:
        return Identity()
    return Identity(user_id=str(user_id), username=str(document.get("username") or ""),
                    email=str(document.get("email") or ""))
