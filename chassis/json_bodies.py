"""Request bodies as JSON, bounded: how deep a body may nest, for DRF's parser and hand-written readers.

`json.loads` raises RecursionError, not ValueError, on input nested about a thousand levels deep (2 KB of
`[` is enough), and a body a little shallower parses but breaks whatever recurses over it next: a
serializer, `json.dumps` for an idempotency fingerprint. No request of the kit nests more than a few
levels, so a body nested deeper than MAX_DEPTH is malformed, however it would otherwise have failed.

    BodyNotJson     the body is not JSON, or nests deeper than MAX_DEPTH (a ValueError, like json's own)
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32
TOO_DEEP = f"JSON nested deeper than {MAX_DEPTH} levels"


class BodyNotJson(ValueError):
    """The body is not JSON the kit accepts."""


def loads(raw: str | bytes) -> Any:
    """`json.loads`, raising only ValueErrors: json's own for bad syntax, BodyNotJson for too deep."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise BodyNotJson(TOO_DEEP) from None
    check_depth(value)
    return value


def check_depth(value: Any) -> None:
    """Raise BodyNotJson when `value` nests lists or objects deeper than MAX_DEPTH (walked without recursion)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if not isinstance(item, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise BodyNotJson(TOO_DEEP)
        children = item.values() if isinstance(item, dict) else item
        pending.extend((child, depth + 1) for child in children)
