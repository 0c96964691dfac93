"""What the proxy's server refuses before a request reaches the pipeline, and how it says so.

The limits are at least as strict as the upstreams' gunicorn (chassis/gunicorn_conf.py), so that no
request the proxy accepts is one an upstream answers with its own HTML error page: the request line
(414), one header field and the number of fields (431), and the whole header block
(PROXY_MAX_HEADER_BYTES, 431; httptools has no limit of its own), counted field by field, so the read
that completes a block counts too. HTTP/1.0 with Transfer-Encoding is refused (RFC 9112 §6.1: its
framing is faulty).

A refusal is answered in the contract's JSON Error shape with a fresh request id, and closes the
connection.
"""

from __future__ import annotations

import logging

from chassis import request_id
from strangler_proxy.errors import error_json
from strangler_proxy.flow import STATUS_LINE

logger = logging.getLogger("strangler_proxy.server")

# gunicorn's limit_request_line and limit_request_field_size, which the upstreams run with.
MAX_REQUEST_LINE = 8190
MAX_FIELD_BYTES = 8190
# gunicorn allows 100 fields; the proxy adds up to six of its own (X-Forwarded-For/Proto/Host, the request
# id, the signed identity, Content-Length), so it accepts fewer from the client.
MAX_FIELDS = 90


class Refused(Exception):
    """Raised in a parser callback: the request is answered `status` and the connection closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check_field(name: bytes, value: bytes) -> int:
    """The field's size in the header block; raises Refused when one field is over the upstreams' limit."""
    size = len(name) + len(value) + 2
    if size > MAX_FIELD_BYTES:
        raise Refused(431, "A request header field is too large.")
    return size


def check_head(method: bytes, target: bytes, fields: int, block_bytes: int, max_block_bytes: int) -> None:
    """Raises Refused when the request line, the field count or the header block is over its limit."""
    if len(method) + len(target) + 10 > MAX_REQUEST_LINE:  # "METHOD TARGET HTTP/1.1"
        raise Refused(414, "The request target is too long.")
    if fields > MAX_FIELDS:
        raise Refused(431, "The request has too many header fields.")
    if block_bytes + len(target) > max_block_bytes:
        raise Refused(431, "The request's header block is too large.")


def check_http_1_0(headers: list[tuple[bytes, bytes]]) -> None:
    if any(name == b"transfer-encoding" for name, _ in headers):
        raise Refused(400, "An HTTP/1.0 request cannot use Transfer-Encoding.")


def refusal(status: int, message: str, client: tuple[str, int] | None) -> bytes:
    """The whole answer to a refused request (its connection closes after it), logged."""
    rid = request_id.new()
    body = error_json(status, message, rid)
    logger.warning("refused a request before it reached the proxy's pipeline",
                   extra={"request_id": rid, "status": status, "reason": message,
                          "client": client[0] if client else None})
    return b"".join([STATUS_LINE[status], b"content-type: application/json\r\n",
                     b"content-length: %d\r\nx-request-id: %s\r\n" % (len(body), rid.encode()),
                     b"connection: close\r\n\r\n", body])
