"""The ordered list of stages every proxied request goes through.

    1. assign_request_id      accept the client's X-Request-ID when well formed, else make one
    2. check_framing          refuse ambiguous body framing and a missing/repeated Host (400)
    3. set_forwarded_headers  drop hop-by-hop headers, set X-Forwarded-* and the request id upstream
    4. match_route            normalise the path (400 when ambiguous) and pick the route
    5. read_override          a tester's signed X-Strangler-Arm (control/arms.py), before 6 strips it
    6. identity               strip client identity headers, resolve the caller, sign the identity
    7. limits                 spend from the caller's token bucket (429)
    8. choose                 a canary route's side for this caller (control/arms.py)
    9. forward                send upstream, stream the answer back

then, whatever happened:

    map_error                 a Rejection or ForwardingFailed becomes the contract's JSON Error (an HTML
                              page for a browser)
    record                    one access-log line and the metrics (observability/recorder.py)

A stage returns None when done, or an awaitable when it must wait for I/O (exchange.py), and ends the
request by raising. Stages that need start-up state (the trusted proxies, the route matcher) are made
by a factory here, the identity and limits stages and the forwarder are passed in, built at start-up;
the others are plain functions.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from typing import Any, Protocol

from chassis import request_id
from strangler_proxy.control.arms import ArmChooser
from strangler_proxy.errors import error_json, error_page, prefers_html
from strangler_proxy.exchange import Exchange, Headers, Receive, Rejection, Send, Stage
from strangler_proxy.forwarding.errors import ForwarderError, ForwardingFailed
from strangler_proxy.forwarding.forwarder import Forwarder
from strangler_proxy.forwarding.framing import request_framing
from strangler_proxy.forwarding.headers import Network, client_behind, is_trusted, upstream_request_headers
from strangler_proxy.identity.stage import IdentityStage
from strangler_proxy.limits.stage import LimitsStage
from strangler_proxy.observability.recorder import Recorder
from strangler_proxy.routing.match import MethodNotAllowed, RouteMatcher
from strangler_proxy.routing.normalise import BadPath, normalise_path

logger = logging.getLogger(__name__)

# Errors after which the client connection cannot carry another request: its body was not read.
_CLOSE_AFTER = frozenset({ForwarderError.REQUEST_BODY_TOO_LARGE, ForwarderError.REQUEST_BODY_TIMEOUT})


# ---------------------------------------------------------------- the stages, in order
def build_stages(*, trusted_proxies: Sequence[Network], live: HasMatcher, identity: IdentityStage,
                 limits: LimitsStage, arms: ArmChooser, forwarder: Forwarder) -> tuple[Stage, ...]:
    """The ordered list every proxied request goes through (see the module docstring)."""
    return (
        assign_request_id,
        check_framing,
        forwarded_headers(trusted_proxies),
        route_matching(live),
        arms.read_override,
        identity.step,
        limits.step,
        arms.choose,
        forwarder.forward,
    )


def assign_request_id(exchange: Exchange) -> None:
    incoming = exchange.header(b"x-request-id")
    exchange.request_id = request_id.accept(incoming.decode("latin-1")) if incoming else new_request_id()
    # Logs carry the id; the connection's task keeps it until its next request binds another.
    request_id.bind(exchange.request_id)


def check_framing(exchange: Exchange) -> None:
    exchange.framing = request_framing(exchange.headers)


def forwarded_headers(trusted_proxies: Sequence[Network]) -> Stage:
    def set_forwarded_headers(exchange: Exchange) -> None:
        trusted = is_trusted(exchange.client_host, trusted_proxies)
        exchange.client_address = (client_behind(exchange.headers, exchange.client_host, trusted_proxies)
                                   if trusted else exchange.client_host)
        exchange.headers = upstream_request_headers(
            exchange.headers, peer=exchange.client_host, scheme=exchange.scope.get("scheme", "http"),
            trusted=trusted, request_id=exchange.request_id.encode())

    return set_forwarded_headers


class HasMatcher(Protocol):
    """The table in force (control/live.py's LiveTable): its matcher may be swapped between requests."""

    matcher: RouteMatcher


def route_matching(live: HasMatcher) -> Stage:
    def match_route(exchange: Exchange) -> None:
        try:
            exchange.path = normalise_path(exchange.scope["raw_path"])
        except BadPath as bad:
            raise Rejection(400, f"The request path is ambiguous or malformed: {bad.reason}.") from None
        try:
            exchange.route = live.matcher.match(exchange.method, exchange.path, exchange.headers)
        except MethodNotAllowed as refused:
            exchange.route = refused.route
            raise Rejection(405, f"{exchange.method} is not served here; this path takes {', '.join(refused.allowed)}.",
                            headers=[(b"allow", ", ".join(refused.allowed).encode())]) from None

    return match_route


def new_request_id() -> str:
    """32 hex digits, like chassis.request_id.new(), without its uuid4's system call per request.

    A request id correlates log lines; it is no secret, so a fast non-cryptographic source will do.
    """
    return f"{random.getrandbits(128):032x}"


# ---------------------------------------------------------------- running them
class Pipeline:
    """Runs the stages for each request, maps what they raise, and records the outcome."""

    def __init__(self, stages: Sequence[Stage], *, recorder: Recorder) -> None:
        self.stages = tuple(stages)
        self.recorder = recorder

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        exchange = new_exchange(scope, receive, send)
        try:
            for stage in self.stages:
                waiting = stage(exchange)
                if waiting is not None:
                    await waiting
        except Rejection as rejection:
            exchange.error = "rejected"
            await map_error(exchange, rejection.status, rejection.message, rejection.headers)
        except ForwardingFailed as failure:
            await map_forwarding_failure(exchange, failure)
        except Exception:
            logger.exception("the proxy failed on a request", extra={"request_id": exchange.request_id})
            exchange.error = "proxy_error"
            await map_error(exchange, 500, "The proxy failed; the failure is logged with this request id.")
        finally:
            self.record(exchange)

    def record(self, exchange: Exchange, route: str | None = None) -> None:
        """The access-log line and the metrics for `exchange` (written in the recorder's next batch)."""
        self.recorder.note(exchange, route)


def new_exchange(scope: dict[str, Any], receive: Receive, send: Send) -> Exchange:
    client = scope.get("client")
    return Exchange(scope=scope, request_id="", method=scope["method"], path=scope["path"],
                    query_string=scope["query_string"], headers=scope["headers"],
                    client_host=client[0] if client else "", receive=receive, send=send)


# ---------------------------------------------------------------- error mapping
async def map_forwarding_failure(exchange: Exchange, failure: ForwardingFailed) -> None:
    error = failure.error
    exchange.error = error.name
    if error is not ForwarderError.CLIENT_DISCONNECTED:
        logger.warning("forwarding failed", extra={"request_id": exchange.request_id, "error": error.name,
                                                   "detail": failure.detail, "upstream": exchange.upstream})
    if error is ForwarderError.CLIENT_DISCONNECTED:
        exchange.status = exchange.status or error.status  # nobody to answer
        return
    close = [(b"connection", b"close")] if error in _CLOSE_AFTER else []
    await map_error(exchange, error.status, error.message, close)


async def map_error(exchange: Exchange, status: int, message: str, headers: Headers | None = None) -> None:
    """Answer with the contract's Error: `{"code", "message", "request_id"}`, unless already answering."""
    if exchange.response_started:
        return  # the head is out: the server closes the unfinished response, which the client sees
    page = prefers_html(exchange.header(b"accept"))
    body = (error_page if page else error_json)(status, message, exchange.request_id)
    exchange.status = status
    exchange.response_started = True
    await exchange.send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/html; charset=utf-8" if page else b"application/json"),
        (b"content-length", b"%d" % len(body)),
        (b"x-request-id", exchange.request_id.encode()), *(headers or [])]})
    await exchange.send({"type": "http.response.body", "body": body})
    exchange.bytes_out = len(body)
