"""Every way forwarding can fail, and what the client is told: the one place that maps them.

    ForwarderError      the enum; each member is (HTTP status, message for the client)
    ForwardingFailed    the exception carrying a ForwarderError out of the forwarder

Statuses follow nginx's: an upstream that cannot be reached or answers garbage is a 502, one that is
too slow is a 504. CLIENT_DISCONNECTED (499, nginx's code) is never sent: the client is gone; it is
what the access log and the metrics record.
"""

from __future__ import annotations

import enum


class ForwarderError(enum.Enum):
    CONNECT_FAILED = (502, "The upstream service could not be reached.")
    CONNECT_TIMEOUT = (504, "The upstream service did not accept a connection in time.")
    POOL_EXHAUSTED = (503, "Every connection to the upstream service is busy; try again shortly.")
    RESPONSE_TIMEOUT = (504, "The upstream service did not answer in time.")
    UPSTREAM_CLOSED = (502, "The upstream service closed the connection without answering.")
    UPSTREAM_PROTOCOL_ERROR = (502, "The upstream service sent an invalid HTTP response.")
    # A canary's candidate answered 5xx (the primary answers instead when the request is safe to replay).
    CANDIDATE_5XX = (502, "The upstream service failed.")
    REQUEST_BODY_TOO_LARGE = (413, "The request body is larger than this route accepts.")
    REQUEST_BODY_TIMEOUT = (408, "The request body arrived too slowly.")
    CLIENT_DISCONNECTED = (499, "The client closed the connection before the answer was sent.")

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message


class ForwardingFailed(Exception):
    """Forwarding ended with `error`; `detail` is for the log, never for the client."""

    def __init__(self, error: ForwarderError, detail: str = "") -> None:
        super().__init__(f"{error.name}: {detail}" if detail else error.name)
        self.error = error
        self.detail = detail
