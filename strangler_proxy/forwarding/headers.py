"""Header rules, both directions: what is hop-by-hop, what the upstream learns about the client.

Hop-by-hop headers (RFC 9110 §7.6.1) and every header a `Connection` header names describe one
connection, never the next one, so they are removed from requests and responses alike. `Host` cannot be
removed that way: it is what the upstream's host check (Django's ALLOWED_HOSTS) decides on.

`Host` is forwarded exactly as the client sent it, never rewritten to the upstream's address: Django then
checks the name the browser used against ALLOWED_HOSTS, builds absolute URLs and redirects with it, and
scopes cookies to it, exactly as when it is reached directly. The proxy does not set `Host` itself, and
the monolith keeps USE_X_FORWARDED_HOST off, so a client cannot choose the host Django sees by sending
X-Forwarded-Host.

X-Forwarded-For/Proto/Host describe the connection the proxy accepted. A client's own values are kept (and
appended to) only when the peer is a configured trusted proxy (TRUSTED_PROXIES, e.g. the platform's load
balancer); from anyone else they are replaced, and `Forwarded` / `X-Real-IP` are dropped, because the
monolith trusts X-Forwarded-Proto for "is this HTTPS". The other spellings of a scheme claim that servers
read (gunicorn's X-Forwarded-Ssl and X-Forwarded-Protocol, X-Url-Scheme, Front-End-Https, ...) are dropped
from everyone: X-Forwarded-Proto is the one the proxy vouches for.

A header name with an underscore never goes upstream. WSGI servers spell every header as an environ key
with `_` for `-`, so `Script_Name` or `X_Forwarded_Proto` would be read as something else than the name
the proxy checked (gunicorn even takes SCRIPT_NAME from a trusted peer and cuts it off the path).

`Server` is dropped from answers: which server stands behind the proxy is nobody's business.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache
from operator import itemgetter

from strangler_proxy.exchange import Headers

HOP_BY_HOP = frozenset({
    b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"trailers",
    b"transfer-encoding", b"upgrade", b"proxy-authenticate", b"proxy-authorization",
})
# Never removable by a `Connection` header: the upstream's host check depends on it.
_PROTECTED = frozenset({b"host"})
# The client's claims about earlier hops: believed only from a trusted proxy.
_CLIENT_CLAIMS = frozenset({b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"forwarded",
                            b"x-real-ip"})
# Other ways of claiming the scheme that servers and frameworks read: dropped even from a trusted proxy.
_SCHEME_CLAIMS = frozenset({b"x-forwarded-ssl", b"x-forwarded-protocol", b"x-forwarded-scheme", b"x-url-scheme",
                            b"front-end-https", b"x-forwarded-port", b"x-forwarded-prefix"})
# Set by the proxy itself: the request id it accepted, and the body framing it chose.
_PROXY_SET = frozenset({b"x-request-id", b"content-length", b"expect"})
_DROP_FROM_UNTRUSTED = HOP_BY_HOP | _CLIENT_CLAIMS | _SCHEME_CLAIMS | _PROXY_SET
_DROP_FROM_TRUSTED = HOP_BY_HOP | _SCHEME_CLAIMS | _PROXY_SET
# Response headers the proxy's server writes itself (uvicorn adds Date; the request id is ours), and the
# upstream server's name.
_RESPONSE_DROP = HOP_BY_HOP | {b"date", b"x-request-id", b"server"}
_FIELD = b": "
_name = itemgetter(0)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def connection_listed(headers: Headers) -> frozenset[bytes]:
    """Names listed in every `Connection` header, lower-case, minus the ones that must survive."""
    return _listed(tuple(value for name, value in headers if name == b"connection"))


@lru_cache(maxsize=256)
def _listed(values: tuple[bytes, ...]) -> frozenset[bytes]:
    # Clients and upstreams send a handful of distinct values ("keep-alive", "close"): parse each once.
    names = {token.strip().lower() for value in values for token in value.split(b",")}
    return frozenset(names - _PROTECTED)


@lru_cache(maxsize=256)
def _dropping(drop: frozenset[bytes], values: tuple[bytes, ...]) -> frozenset[bytes]:
    """`drop` plus whatever the Connection header values `values` name."""
    return drop | _listed(values)


def is_trusted(peer: str, trusted: Sequence[Network]) -> bool:
    return bool(trusted) and _trusted(peer, tuple(trusted))


@lru_cache(maxsize=1024)
def _trusted(peer: str, trusted: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in trusted)


def client_behind(headers: Headers, peer: str, trusted: Sequence[Network]) -> str:
    """The client's address when the peer is a trusted proxy: walking the X-Forwarded-For chain from the
    right, the first address that is not itself a trusted proxy (the peer when the chain has none)."""
    chain = [part.strip().decode("latin-1") for name, value in headers if name == b"x-forwarded-for"
             for part in value.split(b",")]
    for address in reversed(chain):
        if address and not is_trusted(address, trusted):
            return address
    return peer


def upstream_request_headers(headers: Headers, *, peer: str, scheme: str, trusted: bool,
                             request_id: bytes) -> Headers:
    """The client's headers as the upstream should see them: cleaned, with X-Forwarded-* and the id."""
    drop = _DROP_FROM_TRUSTED if trusted else _DROP_FROM_UNTRUSTED
    connection = [value for name, value in headers if name == b"connection"]
    if connection:
        drop = _dropping(drop, tuple(connection))
    kept = [pair for pair in headers if pair[0] not in drop]
    if b"_" in b"".join(map(_name, kept)):  # rare: one C-level search decides whether to look closer
        kept = [pair for pair in kept if b"_" not in pair[0]]
    _add_forwarded(kept, peer=peer.encode(), scheme=scheme.encode(), trusted=trusted)
    kept.append((b"x-request-id", request_id))
    return kept


def _add_forwarded(headers: Headers, *, peer: bytes, scheme: bytes, trusted: bool) -> Headers:
    """Appends X-Forwarded-For/Proto/Host; a trusted proxy's values are extended, not replaced."""
    if not trusted:  # the client's own claims are already gone
        headers.append((b"x-forwarded-for", peer))
        headers.append((b"x-forwarded-proto", scheme))
        headers.append((b"x-forwarded-host", _first(headers, b"host") or b""))
        return headers
    claims = _pop_claims(headers)
    chain = claims.get(b"x-forwarded-for")
    host = claims.get(b"x-forwarded-host") or _first(headers, b"host") or b""
    headers.append((b"x-forwarded-for", chain + b", " + peer if chain else peer))
    headers.append((b"x-forwarded-proto", claims.get(b"x-forwarded-proto") or scheme))
    headers.append((b"x-forwarded-host", host))
    return headers


def _pop_claims(headers: Headers) -> dict[bytes, bytes]:
    """Removes the X-Forwarded-* entries from `headers`, joining repeated ones as RFC 9110 allows."""
    claims: dict[bytes, bytes] = {}
    kept = []
    for name, value in headers:
        if name in (b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host"):
            claims[name] = claims[name] + b", " + value if name in claims else value
        else:
            kept.append((name, value))
    headers[:] = kept
    return claims


def _first(headers: Headers, wanted: bytes) -> bytes | None:
    for name, value in headers:
        if name == wanted:
            return value
    return None


def downstream_response_headers(headers: Headers, request_id: bytes) -> Headers:
    """The upstream's response headers as the client should see them, with the proxy's request id."""
    drop = _RESPONSE_DROP
    connection = [value for name, value in headers if name == b"connection"]
    if connection:
        drop = _dropping(drop, tuple(connection))
    kept = [pair for pair in headers if pair[0] not in drop]
    kept.append((b"x-request-id", request_id))
    return kept


def request_head(method: bytes, target: bytes, headers: Headers) -> bytes:
    """The HTTP/1.1 request line and header block, ready to write."""
    if not headers:
        return b"%s %s HTTP/1.1\r\n\r\n" % (method, target)
    return b"%s %s HTTP/1.1\r\n%s\r\n\r\n" % (method, target, b"\r\n".join(map(_FIELD.join, headers)))
