"""The errors the proxy makes itself, written here and nowhere else: the contract's JSON Error body
`{"code", "message", "request_id"}` for API clients, and a small HTML page for browsers (a request whose
Accept names text/html before any JSON type). (Django deployables write theirs through chassis.errors;
the proxy imports no Django.)
"""

from __future__ import annotations

import html
from http import HTTPStatus
from typing import Any

import orjson


def error_json(status: int, message: str, request_id: str, **extra: Any) -> bytes:
    """The Error body for `status`; `extra` fields (e.g. readiness `checks`) follow the three."""
    return orjson.dumps({"code": status, "message": message, "request_id": request_id, **extra})


def prefers_html(accept: bytes | None) -> bool:
    """Whether the client asked for a page (a browser's Accept) rather than data."""
    if not accept:
        return False
    accept = accept.lower()
    page = accept.find(b"text/html")
    data = accept.find(b"json")
    return page >= 0 and (data < 0 or page < data)


def error_page(status: int, message: str, request_id: str) -> bytes:
    """The same error as a page a person can read."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{status} {html.escape(title)}'
            f'</title><meta name="viewport" content="width=device-width, initial-scale=1"><style>body{{font:16px/1.5 '
            f'system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}}small{{color:#777}}'
            f'</style></head><body><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>'
            f'<p><small>Reference: {html.escape(request_id)}</small></p></body></html>').encode()
