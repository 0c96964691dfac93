"""The depth bound on JSON request bodies, and the DRF parser that applies it."""

from __future__ import annotations

import io

import pytest
from rest_framework.exceptions import ParseError

from chassis import json_bodies
from chassis.json_bodies import MAX_DEPTH, BodyNotJson
from chassis.parsers import JSONParser


def nested(depth: int, *, kind: str = "arrays") -> str:
    return "[" * depth + "]" * depth if kind == "arrays" else '{"a":' * depth + "1" + "}" * depth


def nested_value(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize("kind", ["arrays", "objects"])
def test_a_body_nested_to_the_limit_is_accepted_and_one_level_more_is_not(kind):
    json_bodies.loads(nested(MAX_DEPTH, kind=kind))
    with pytest.raises(BodyNotJson):
        json_bodies.loads(nested(MAX_DEPTH + 1, kind=kind))


@pytest.mark.parametrize("raw", ["[" * 100_000, '{"a":' * 100_000, nested(5000)])
def test_input_that_would_exhaust_the_recursion_limit_is_a_value_error(raw):
    with pytest.raises(ValueError):
        json_bodies.loads(raw)


def test_bad_syntax_stays_jsons_own_value_error():
    with pytest.raises(ValueError, match="Expecting"):
        json_bodies.loads("{nope")


def test_depth_counts_the_deepest_branch_not_the_first():
    json_bodies.check_depth([[], {"a": nested_value(MAX_DEPTH - 2)}])
    with pytest.raises(BodyNotJson):
        json_bodies.check_depth([[], {"a": nested_value(MAX_DEPTH - 1)}])


@pytest.mark.parametrize("raw", ["[" * 100_000, nested(MAX_DEPTH + 1), "{nope"])
def test_the_drf_parser_turns_any_bad_body_into_a_parse_error(raw):
    with pytest.raises(ParseError, match="JSON parse error"):
        JSONParser().parse(io.BytesIO(raw.encode()), "application/json", {})


def test_the_drf_parser_reads_a_sound_body():
    assert JSONParser().parse(io.BytesIO(b'{"productId": "prosecco"}'), "application/json", {}) == {
        "productId": "prosecco"}
