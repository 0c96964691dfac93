"""The application's own framing checks, for what a lenient server parser would let through."""

from __future__ import annotations

import pytest

from strangler_proxy.exchange import Rejection
from strangler_proxy.forwarding.framing import BodyFraming, Framing, request_framing

HOST = (b"host", b"shop.test")


@pytest.mark.parametrize("headers", [
    [HOST, (b"content-length", b"5"), (b"transfer-encoding", b"chunked")],
    [HOST, (b"content-length", b"5"), (b"content-length", b"6")],
    [HOST, (b"content-length", b"5, 6")],
    [HOST, (b"content-length", b"-5")],
    [HOST, (b"transfer-encoding", b"gzip, chunked")],
    [HOST, (b"transfer-encoding", b"chunked"), (b"transfer-encoding", b"identity")],
    [(b"content-length", b"5")],
    [HOST, HOST],
    [HOST, (b"content-type", b"application/json"), (b"content-type", b"text/plain")],
])
def test_ambiguous_framing_that_reaches_the_application_is_refused_with_400(headers):
    with pytest.raises(Rejection) as refused:
        request_framing(headers)
    assert refused.value.status == 400 and (b"connection", b"close") in refused.value.headers


@pytest.mark.parametrize(("headers", "framing"), [
    ([HOST], BodyFraming(Framing.NONE)),
    ([HOST, (b"content-length", b"12")], BodyFraming(Framing.LENGTH, 12)),
    ([HOST, (b"content-length", b"12"), (b"content-length", b"12")], BodyFraming(Framing.LENGTH, 12)),
    ([HOST, (b"transfer-encoding", b"Chunked")], BodyFraming(Framing.CHUNKED)),
])
def test_unambiguous_framing_is_read(headers, framing):
    assert request_framing(headers) == framing
