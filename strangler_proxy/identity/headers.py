"""Reading credentials off a request, and removing every header a client could use to claim an identity.

Only the edge may say who the caller is. A client-sent `X-Strangler-Identity`, `X-User`, `Remote-User`
and the like are dropped before anything goes upstream, in every spelling: header names compare
case-insensitively, and `_` counts as `-` because Django (and CGI) map `X_User` and `X-User` to the same
`HTTP_X_USER` key. The session cookie and `Authorization` header stay: the monolith still reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from strangler_proxy.exchange import Headers

__all__ = ["Credentials", "is_identity_header", "take_credentials"]

# Matched against the lower-cased name with '_' read as '-'. Besides our own headers, these are the ones
# common auth front ends use (oauth2-proxy, Kong, AWS ALB, Azure App Service), which some library might
# trust if they reached it.
IDENTITY_PREFIXES: tuple[bytes, ...] = (
    b"x-strangler-",
    b"x-user",
    b"x-remote-user",
    b"remote-user",
    b"x-forwarded-user",
    b"x-forwarded-email",
    b"x-forwarded-preferred-username",
    b"x-forwarded-groups",
    b"x-auth",            # x-auth-*, x-authenticated-*, x-authorization
    b"x-identity",
    b"x-consumer-",
    b"x-credential-",
    b"x-amzn-oidc-",
    b"x-ms-client-principal",
    b"x-api-key",
)
API_KEY = b"x-api-key"

# Canonical credential forms: Django's session keys are lower-case letters and digits; DRF's tokens are
# 40 hex digits. Other spellings (quoted, escaped, upper-case) might name the same credential to the
# monolith but would get their own cache entry, which a log-out could not find; the edge ignores them.
_SESSION_KEY = re.compile(rb"[a-z0-9]{8,128}")
_TOKEN_KEY = re.compile(rb"[0-9a-f]{40}")


@dataclass(frozen=True)
class Credentials:
    """What the caller presented: each is None when absent (or not in canonical form)."""

    session: str | None = None
    token: str | None = None
    api_key: str | None = None


NONE = Credentials()


def is_identity_header(name: bytes) -> bool:
    """Whether a client-sent header called `name` could carry an identity (and so must not go upstream)."""
    return name.lower().replace(b"_", b"-").startswith(IDENTITY_PREFIXES)


def take_credentials(headers: Headers, session_cookie: bytes) -> Credentials:
    """The caller's credentials; removes identity headers (and the API key) from `headers` in place.

    One pass over the headers. Several API key headers must agree; ValueError otherwise.
    """
    cookie = token = api_key = None
    kept: Headers = []
    for name, value in headers:
        kind = _KINDS.get(name) or _learn(name)
        if kind is _ORDINARY:
            kept.append((name, value))
        elif kind is _COOKIE:
            cookie = _last_cookie(value, session_cookie, cookie)
            kept.append((name, value))
        elif kind is _AUTHORIZATION:
            token = token or _token_in(value)
            kept.append((name, value))
        elif kind is _API_KEY:
            api_key = _api_key(value, api_key)
    headers[:] = kept
    session = cookie.decode() if cookie and _SESSION_KEY.fullmatch(cookie) else None
    if session is None and token is None and api_key is None:
        return NONE
    return Credentials(session, token, api_key)


# What each header name is, remembered: real traffic uses a few dozen names, so the common case is one
# dict look-up per header. Names past the bound (a client inventing names) are judged each time.
_ORDINARY, _COOKIE, _AUTHORIZATION, _IDENTITY, _API_KEY = "ordinary", "cookie", "authorization", "identity", "api-key"
_KINDS: dict[bytes, str] = {b"cookie": _COOKIE, b"authorization": _AUTHORIZATION}
_MAX_KINDS = 2048


def _learn(name: bytes) -> str:
    if not is_identity_header(name):
        kind = _ORDINARY
    elif name.lower().replace(b"_", b"-") == API_KEY:
        kind = _API_KEY
    else:
        kind = _IDENTITY
    if len(_KINDS) < _MAX_KINDS:
        _KINDS[name] = kind
    return kind


def _last_cookie(cookie: bytes, name: bytes, found: bytes | None) -> bytes | None:
    """The value of the last `name=` in `cookie`, else `found` (the last one in earlier headers).

    The last one wins, as in Django, even when it is not a usable session key.
    """
    if name not in cookie:
        return found
    for part in cookie.split(b";"):
        key, equals, value = part.partition(b"=")
        if equals and key.strip() == name:
            found = value.strip()
    return found


def _token_in(authorization: bytes) -> str | None:
    parts = authorization.split()
    if len(parts) == 2 and parts[0].lower() == b"token" and _TOKEN_KEY.fullmatch(parts[1]):
        return parts[1].decode()
    return None


def _api_key(value: bytes, seen: str | None) -> str | None:
    key = value.strip().decode("latin-1")
    if seen is not None and key != seen:
        raise ValueError("the request carries two different API keys")
    return key or seen
