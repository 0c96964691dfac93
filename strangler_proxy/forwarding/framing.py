"""How a request's body is delimited, decided once, and every ambiguous case refused with 400.

Request smuggling needs two parsers to disagree on where a request ends. The server's parser (llhttp,
through httptools) already refuses Content-Length together with Transfer-Encoding, repeated
Content-Length, malformed chunk sizes and Transfer-Encodings that do not end in `chunked`; the raw-socket
tests in tests/strangler_proxy/forwarding/test_smuggling.py pin that down. This module is the second
line, for whatever reaches the application anyway (another ASGI server, a lenient parser setting): the
same cases, plus a missing or repeated Host, are a Rejection before anything is sent upstream. So is a
repeated Content-Type: two parsers could each take a different one, and gunicorn answers it with an HTML
page.
"""

from __future__ import annotations

from strangler_proxy.exchange import NO_BODY, BodyFraming, Framing, Headers, Rejection

__all__ = ["NO_BODY", "BodyFraming", "Framing", "request_framing"]


def request_framing(headers: Headers) -> BodyFraming:
    """The request's framing; raises Rejection(400) when it is ambiguous, the Host is not exactly one or
    the Content-Type is repeated."""
    lengths: list[bytes] = []
    encodings: list[bytes] = []
    hosts = content_types = 0
    for name, value in headers:
        if name == b"content-length":
            lengths.append(value)
        elif name == b"transfer-encoding":
            encodings.append(value)
        elif name == b"host":
            hosts += 1
        elif name == b"content-type":
            content_types += 1
    if hosts != 1:
        raise _bad("A request must carry exactly one Host header.")
    if content_types > 1:
        raise _bad("A request must carry at most one Content-Type header.")
    if encodings:
        return _chunked(encodings, lengths)
    if lengths:
        return BodyFraming(Framing.LENGTH, _length(lengths))
    return NO_BODY


def _chunked(encodings: list[bytes], lengths: list[bytes]) -> BodyFraming:
    if lengths:
        raise _bad("A request cannot carry both Content-Length and Transfer-Encoding.")
    codings = [token.strip().lower() for value in encodings for token in value.split(b",")]
    if codings != [b"chunked"]:
        raise _bad("Transfer-Encoding must be exactly 'chunked'.")
    return BodyFraming(Framing.CHUNKED)


def _length(values: list[bytes]) -> int:
    declared = {token.strip() for value in values for token in value.split(b",")}
    if len(declared) != 1:
        raise _bad("Conflicting Content-Length values.")
    (value,) = declared
    if not value.isdigit() or len(value) > 18:
        raise _bad("Content-Length is not a number.")
    return int(value)


def _bad(message: str) -> Rejection:
    # The body was not read, so the connection cannot carry another request: close it.
    return Rejection(400, message, headers=[(b"connection", b"close")])
