"""Comparing two answers field by field, the noise model's thresholds, and what samples keep."""

from __future__ import annotations

import json

from strangler_proxy.shadow.diff import Answer, differences
from strangler_proxy.shadow.noise import verdicts
from strangler_proxy.shadow.record import REDACTED, redact_body

JSON = (("content-type", "application/json"),)


def answer(body: object, *, status: int = 200, headers: tuple[tuple[str, str], ...] = JSON) -> Answer:
    return Answer(status, headers, json.dumps(body).encode())


def test_json_bodies_differ_exactly_at_the_fields_that_differ():
    primary = answer({"id": 7, "items": [{"price": 10, "name": "a"}, {"price": 5, "name": "b"}], "gone": 1})
    candidate = answer({"id": 7, "items": [{"price": 10, "name": "a"}, {"price": 6, "name": "b"}], "new": 2})
    assert differences(primary, candidate) == ["body:$.gone", "body:$.items[*].price", "body:$.new"]


def test_status_and_compared_headers_differ_but_date_server_and_cookies_never_do():
    primary = Answer(200, (("content-type", "text/html"), ("date", "a"), ("server", "x"), ("set-cookie", "s=1")), b"<p>hi</p>")
    candidate = Answer(201, (("content-type", "text/plain"), ("date", "b"), ("server", "y")), b"<p>hi</p>  ")
    assert differences(primary, candidate) == ["header:content-type", "status"]


def test_text_bodies_compare_by_their_normalised_text():
    assert differences(Answer(200, (), b"a  b\n"), Answer(200, (), b"a b")) == []
    assert differences(Answer(200, (), b"a b"), Answer(200, (), b"a c")) == ["body"]


def test_ignore_rules_drop_a_path_or_a_prefix():
    primary, candidate = answer({"at": 1, "meta": {"x": 1, "y": 2}, "id": 1}), answer({"at": 2, "meta": {"x": 2, "y": 3}, "id": 2})
    assert differences(primary, candidate, ignore=["body:$.at", "body:$.meta.*"]) == ["body:$.id"]


def test_a_field_is_reported_only_beyond_the_primary_s_own_noise():
    fields = {verdict.path: verdict for verdict in verdicts(
        {"body:$.flavour": 40, "body:$.served_at": 40, "body:$.rare": 1}, 40,
        {"body:$.served_at": 10}, 10)}
    assert fields["body:$.flavour"].reported and not fields["body:$.served_at"].reported
    assert (fields["body:$.served_at"].candidate_rate, fields["body:$.served_at"].noise_rate) == (1.0, 1.0)
    assert fields["body:$.rare"].reported  # 2.5 % against no noise at all


def test_samples_keep_no_credentials_or_card_numbers():
    body = json.dumps({"password": "hunter2", "card": {"number": "4242424242424242"}, "note": "pay 4000 0566 5566 5556",
                       "token": "abc", "name": "ada"}).encode()
    kept = json.loads(redact_body(body))
    assert kept == {"password": REDACTED, "card": REDACTED, "note": f"pay {REDACTED}", "token": REDACTED, "name": "ada"}
