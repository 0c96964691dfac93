"""The contract's JSON Error body as the proxy writes it: `{"code", "message", "request_id"}`.

Every error the proxy makes itself (refusals by its server, rejections by a stage, forwarding failures,
its own endpoints) is written here and nowhere else. (Django deployables write theirs through
chassis.errors; the proxy imports no Django.)
"""

from __future__ import annotations

from typing import Any

import orjson


def error_json(status: int, message: str, request_id: str, **extra: Any) -> bytes:
    """The Error body for `status`; `extra` fields (e.g. readiness `checks`) follow the three."""
    return orjson.dumps({"code": status, "message": message, "request_id": request_id, **extra})
