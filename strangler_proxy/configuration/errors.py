"""The one way loading a route table fails.

    RouteTableInvalid(Exception)   the table cannot be used; `errors` lists every problem with its fix
"""

from __future__ import annotations


class RouteTableInvalid(Exception):
    """The route table is missing, unreadable, not TOML, or fails validation; the proxy must not start."""

    def __init__(self, errors: list[str], *, source: str = "") -> None:
        self.errors = errors
        self.source = source
        count = f"{len(errors)} error{'s' if len(errors) != 1 else ''}"
        where = f"route table {source}" if source else "route table"
        super().__init__("\n".join([f"{where} is invalid ({count}):", *(f"  - {error}" for error in errors)]))
