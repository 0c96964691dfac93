"""The little HTTP the dashboard needs on top of the proxy's exchange: reading a request's cookies, query
and form, and answering with a page, a JSON body or a redirect, with the headers every answer carries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from strangler_proxy.exchange import Exchange, Headers

# A change form is a few short fields; anything larger is not one.
MAX_FORM_BYTES = 16 * 1024
HTML = b"text/html; charset=utf-8"
JSON = b"application/json"
# Scripts and styles from the dashboard's own files only, no frames, forms only to itself.
SECURITY_HEADERS: Headers = [
    (b"content-security-policy", b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                 b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # The address may carry ?token= on the first visit: never tell another site about it.
    (b"referrer-policy", b"no-referrer"),
]


class FormTooLarge(Exception):
    """The request body is larger than any change form."""


@dataclass
class Request:
    """One dashboard request, read off the proxy's exchange."""

    exchange: Exchange
    query: dict[str, str] = field(init=False)
    cookies: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.query = dict(parse_qsl(self.exchange.query_string.decode("latin-1")))
        self.cookies = _cookies(self.exchange.headers)

    @property
    def method(self) -> str:
        return self.exchange.method

    @property
    def path(self) -> str:
        return self.exchange.path

    def header(self, name: bytes) -> str | None:
        value = self.exchange.header(name)
        return value.decode("latin-1") if value is not None else None

    @property
    def wants_html(self) -> bool:
        """A browser (it asks for HTML); any other client gets JSON."""
        return "text/html" in (self.header(b"accept") or "")

    @property
    def is_https(self) -> bool:
        """Whether the browser reached us over TLS (ended here or at a load balancer in front)."""
        forwarded = (self.header(b"x-forwarded-proto") or "").split(",")[0].strip().lower()
        return self.exchange.scope.get("scheme") == "https" or forwarded == "https"

    async def form(self) -> dict[str, str]:
        """The url-encoded form in the body; raises FormTooLarge past MAX_FORM_BYTES."""
        body = bytearray()
        while True:
            message = await self.exchange.receive()
            body += message.get("body", b"")
            if len(body) > MAX_FORM_BYTES:
                raise FormTooLarge
            if message.get("type") != "http.request" or not message.get("more_body"):
                break
        self.exchange.bytes_in = len(body)
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _cookies(headers: Headers) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in headers:
        if name != b"cookie":
            continue
        for part in value.decode("latin-1").split(";"):
            key, equals, item = part.strip().partition("=")
            if equals:
                found[key] = item
    return found


def cookie(name: str, value: str, *, max_age: int, secure: bool, path: str) -> tuple[bytes, bytes]:
    """A Set-Cookie header no script can read and no other site can make the browser send."""
    flags = f"{name}={value}; Max-Age={max_age}; Path={path}; HttpOnly; SameSite=Strict"
    return b"set-cookie", (flags + ("; Secure" if secure else "")).encode()


async def answer(exchange: Exchange, status: int, body: bytes, content_type: bytes,
                 headers: Headers | None = None) -> None:
    exchange.status, exchange.bytes_out = status, len(body)
    exchange.response_started = True
    await exchange.send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", content_type), (b"content-length", b"%d" % len(body)), (b"cache-control", b"no-store"),
        (b"x-request-id", exchange.request_id.encode()), *SECURITY_HEADERS, *(headers or [])]})
    await exchange.send({"type": "http.response.body", "body": body})


async def redirect(exchange: Exchange, location: str, headers: Headers | None = None) -> None:
    """303 See Other: the browser follows with a GET."""
    await answer(exchange, 303, b"", HTML, [(b"location", location.encode()), *(headers or [])])


def first(values: Mapping[str, str], name: str) -> str:
    """A form or query field, trimmed; empty when absent."""
    return values.get(name, "").strip()
