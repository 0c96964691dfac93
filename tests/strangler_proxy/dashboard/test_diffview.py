"""A shadow mismatch side by side: lines facing their counterparts, a line one side lacks facing a gap, and
a comma that only moved with a new key not counted as a difference."""

from __future__ import annotations

import json

from strangler_proxy.dashboard.diffview import aligned, answer_lines


def answer(body: object, status: int = 200) -> dict:
    return {"status": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def test_a_field_only_the_candidate_has_faces_a_gap_and_nothing_else_differs():
    rows = aligned(answer_lines(answer({"id": 7, "name": "tea"})),
                   answer_lines(answer({"id": 7, "name": "tea", "tax": 2})))
    assert [(left, right) for left, right, differs in rows if differs] == [(None, '  "tax": 2')]
    assert ('  "name": "tea"', '  "name": "tea",', False) in rows


def test_a_changed_value_and_status_face_each_other():
    rows = aligned(answer_lines(answer({"price": 3}, 200)), answer_lines(answer({"price": 4}, 500)))
    assert [(left, right) for left, right, differs in rows if differs] == [
        ("HTTP 200", "HTTP 500"), ('  "price": 3', '  "price": 4')]


def test_a_body_that_is_not_json_is_shown_as_its_lines():
    lines = answer_lines({"status": 502, "headers": {}, "body": "<h1>Bad gateway</h1>\n<p>later</p>"})
    assert lines == ["HTTP 502", "", "<h1>Bad gateway</h1>", "<p>later</p>"]
