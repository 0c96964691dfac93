"""Comparing two answers to the same request, structurally: which fields differ, by path.

    status                 the status codes
    header:<name>          each compared header (content-type, location, cache-control, ...)
    body:<json path>       JSON bodies field by field: body:$.items[*].price (list items compare position by
                           position, and their paths share `[*]`, so a field is counted once per answer);
                           a key on one side only is a difference at its path
    body                   bodies that are not JSON: their normalised text (whitespace runs made one
                           space) hashed

Headers that differ between any two answers by nature (Date, Server, Set-Cookie, X-Request-ID, framing)
are never compared; a route can ignore more paths (`ignore`, each a path or a prefix ending in `*`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

NEVER_COMPARED = frozenset({"date", "server", "set-cookie", "x-request-id", "content-length", "transfer-encoding",
                            "connection", "keep-alive", "vary", "etag", "last-modified", "age"})
COMPARED_HEADERS = ("content-type", "location", "cache-control", "allow", "www-authenticate", "retry-after")
_SPACES = re.compile(rb"\s+")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name), None)


def differences(expected: Answer, got: Answer, *, ignore: Iterable[str] = ()) -> list[str]:
    """The paths at which `got` differs from `expected`, sorted, minus those `ignore` covers."""
    found = []
    if expected.status != got.status:
        found.append("status")
    for name in COMPARED_HEADERS:
        if expected.header(name) != got.header(name):
            found.append(f"header:{name}")
    found += _body_differences(expected, got)
    rules = tuple(ignore)
    return sorted(path for path in found if not _ignored(path, rules))


def _body_differences(expected: Answer, got: Answer) -> list[str]:
    left, right = _json(expected), _json(got)
    if left is _NOT_JSON or right is _NOT_JSON:
        return [] if _text_hash(expected.body) == _text_hash(got.body) else ["body"]
    return [f"body:{path}" for path in sorted(set(_paths_differing(left, right, "$")))]


_NOT_JSON: Any = object()


def _json(answer: Answer) -> Any:
    content_type = answer.header("content-type") or ""
    if "json" not in content_type:
        return _NOT_JSON
    try:
        return json.loads(answer.body)
    except ValueError:
        return _NOT_JSON


def _paths_differing(left: Any, right: Any, path: str) -> Iterator[str]:
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            child = f"{path}.{key}"
            if key not in left or key not in right:
                yield child
            else:
                yield from _paths_differing(left[key], right[key], child)
    elif isinstance(left, list) and isinstance(right, list):
        for index in range(max(len(left), len(right))):
            child = f"{path}[*]"
            if index >= len(left) or index >= len(right):
                yield child
            else:
                yield from _paths_differing(left[index], right[index], child)
    elif left != right or type(left) is not type(right):
        yield path


def _text_hash(body: bytes) -> str:
    return hashlib.sha256(_SPACES.sub(b" ", body.strip())).hexdigest()


def _ignored(path: str, rules: tuple[str, ...]) -> bool:
    return any(path == rule or (rule.endswith("*") and path.startswith(rule[:-1])) for rule in rules)
