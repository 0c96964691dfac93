"""The JSON parser every deployable's DRF views use (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES).

DRF's own turns a syntax error into a ParseError (400) but lets RecursionError through as a 500 with a
traceback; this one also refuses, as a ParseError, a body nested deeper than chassis.json_bodies allows.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from chassis.json_bodies import TOO_DEEP, BodyNotJson, check_depth


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser, bounded in depth: bad JSON of any shape is a 400 in the contract's Error shape."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - {TOO_DEEP}.") from None
        try:
            check_depth(data)
        except BodyNotJson as exc:
            raise ParseError(f"JSON parse error - {exc}.") from None
        return data
