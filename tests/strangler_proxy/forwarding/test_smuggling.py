"""The attack corpus: requests two HTTP parsers could read differently, sent over raw sockets.

Each is answered 400 in the contract's JSON Error shape and nothing of it, nor of a request smuggled
inside it, reaches the upstream. Most are refused by the server's parser (llhttp) before the
application runs; the application refuses the rest (forwarding/framing.py).
"""

from __future__ import annotations

import pytest

from tests.strangler_proxy.forwarding.wire import assert_nothing_reached, send_raw


def smuggled(request_tag: str) -> bytes:
    return f"GET /smuggled HTTP/1.1\r\nHost: shop.test\r\nX-Test-Id: {request_tag}\r\n\r\n".encode()


def head(request_tag: str, *lines: str) -> bytes:
    return ("\r\n".join(["POST /echo HTTP/1.1", "Host: shop.test", f"X-Test-Id: {request_tag}", *lines])
            + "\r\n\r\n").encode()


ATTACKS = {
    "content_length_then_transfer_encoding": lambda t: head(t, "Content-Length: 5", "Transfer-Encoding: chunked")
    + b"0\r\n\r\n" + smuggled(t),
    "transfer_encoding_then_content_length": lambda t: head(t, "Transfer-Encoding: chunked", "Content-Length: 40")
    + b"0\r\n\r\n" + smuggled(t),
    "duplicate_conflicting_content_length": lambda t: head(t, "Content-Length: 5", "Content-Length: 60")
    + b"hello" + smuggled(t),
    "content_length_list": lambda t: head(t, "Content-Length: 5, 60") + b"hello" + smuggled(t),
    "signed_content_length": lambda t: head(t, "Content-Length: +5") + b"hello" + smuggled(t),
    "bad_chunk_size": lambda t: head(t, "Transfer-Encoding: chunked") + b"zz\r\nhello\r\n0\r\n\r\n" + smuggled(t),
    "overflowing_chunk_size": lambda t: head(t, "Transfer-Encoding: chunked")
    + b"fffffffffffffffff1\r\nhello\r\n0\r\n\r\n",
    "chunk_size_with_bare_lf": lambda t: head(t, "Transfer-Encoding: chunked") + b"5\nhello\n0\n\n" + smuggled(t),
    "transfer_encoding_not_ending_in_chunked": lambda t: head(t, "Transfer-Encoding: chunked, identity")
    + b"0\r\n\r\n" + smuggled(t),
    "transfer_encoding_gzip": lambda t: head(t, "Transfer-Encoding: gzip") + b"hello" + smuggled(t),
    "obfuscated_transfer_encoding": lambda t: head(t, "Transfer-Encoding: xchunked", "Content-Length: 5")
    + b"hello" + smuggled(t),
    "space_before_colon": lambda t: head(t, "Transfer-Encoding : chunked", "Content-Length: 5")
    + b"0\r\n\r\n" + smuggled(t),
    "obs_fold_header": lambda t: head(t, "Content-Length: 5", "X-Folded: a", " Transfer-Encoding: chunked")
    + b"hello",
    "nul_in_header": lambda t: head(t, "X-Evil: a\x00b"),
    "bare_lf_request": lambda t: f"GET /echo HTTP/1.1\nHost: shop.test\nX-Test-Id: {t}\n\n".encode(),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_an_ambiguous_request_is_refused_with_400_and_nothing_reaches_the_upstream(attack, proxy, echo, request_tag):
    response = send_raw(proxy.port, ATTACKS[attack](request_tag))
    assert response is not None, "the proxy closed the connection without answering"
    assert response.status == 400, response.raw
    body = response.json()
    assert body["code"] == 400 and body["message"] and body["request_id"]
    assert response.headers["connection"] == "close"
    assert_nothing_reached(proxy, echo, request_tag)
    # All of these stop at the server's parser, before the application; forwarding/test_framing.py
    # covers the application's own checks for whatever a more lenient parser would let through.
    assert [line["status"] for line in proxy.lines("strangler_proxy.server")
            if line["request_id"] == body["request_id"]] == [400]
