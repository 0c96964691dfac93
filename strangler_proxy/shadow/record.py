"""What shadowing keeps in Redis, per route, for `strangler diffs`, the dashboard and the judge.

    strangler:shadow:<route>           hash: compared, mismatched, dropped, skipped, noise_samples;
                                       c:<path> (candidate differed at path), n:<path> (noise did)
    strangler:shadow:<route>:samples   list, newest first, at most SAMPLES_KEPT mismatches: request id,
                                       method, path, the differing paths and both answers, redacted

Samples never carry credentials or card data: only an allow-list of headers is kept, JSON fields whose
names say secret (password, token, card, cvc, ...) are replaced, and any run of 13 to 19 digits (a card
number's shape) is masked. Bodies are cut at SAMPLE_BODY_BYTES.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from strangler_proxy.shadow.diff import Answer

SAMPLES_KEPT = 50
SAMPLE_BODY_BYTES = 2048
KEPT_HEADERS = frozenset({"content-type", "location", "cache-control", "allow", "retry-after"})
_SECRET_FIELD = re.compile(r"pass|token|secret|card|cvc|cvv|pan\b|authorization|cookie|session|api[-_]?key", re.I)
_CARD_NUMBER = re.compile(r"\b(?:\d[ -]?){13,19}\b")
REDACTED = "[redacted]"


def counts_key(route_id: str) -> str:
    return f"strangler:shadow:{route_id}"


def samples_key(route_id: str) -> str:
    return f"strangler:shadow:{route_id}:samples"


def counting_commands(route_id: str, differing: Sequence[str], noise: Sequence[str] | None) -> list[list[Any]]:
    """The Redis commands that count one comparison (and its noise sample, when taken)."""
    key = counts_key(route_id)
    commands: list[list[Any]] = [["HINCRBY", key, "compared", 1]]
    if differing:
        commands.append(["HINCRBY", key, "mismatched", 1])
    commands += [["HINCRBY", key, f"c:{path}", 1] for path in differing]
    if noise is not None:
        commands.append(["HINCRBY", key, "noise_samples", 1])
        commands += [["HINCRBY", key, f"n:{path}", 1] for path in noise]
    return commands


def sample_commands(route_id: str, *, request_id: str, method: str, path: str, differing: Sequence[str],
                    primary: Answer, candidate: Answer) -> list[list[Any]]:
    sample = {"at": time.time(), "request_id": request_id, "method": method, "path": redact_text(path),
              "differences": list(differing), "primary": _answer(primary), "candidate": _answer(candidate)}
    key = samples_key(route_id)
    return [["LPUSH", key, json.dumps(sample)], ["LTRIM", key, 0, SAMPLES_KEPT - 1]]


def _answer(answer: Answer) -> dict[str, Any]:
    return {"status": answer.status,
            "headers": {name: value for name, value in answer.headers if name in KEPT_HEADERS},
            "body": redact_body(answer.body)}


def redact_body(body: bytes) -> str:
    text = body[:SAMPLE_BODY_BYTES].decode("utf-8", "replace")
    try:
        return json.dumps(_redacted(json.loads(body)))[:SAMPLE_BODY_BYTES]
    except ValueError:
        return redact_text(text)


def _redacted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: REDACTED if _SECRET_FIELD.search(str(key)) else _redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_text(text: str) -> str:
    return _CARD_NUMBER.sub(REDACTED, text)
