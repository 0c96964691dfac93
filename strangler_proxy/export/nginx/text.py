"""Writing nginx configuration text: arguments quoted as nginx reads them, blocks indented."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Writer", "quoted", "single_quoted"]

_INDENT = "    "


def quoted(text: str) -> str:
    """`text` as one nginx argument in double quotes (nginx reads \\\\ as \\ and \\" as ")."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def single_quoted(text: str) -> str:
    """`text` in single quotes, for bodies that hold double quotes (JSON)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Writer:
    """Lines of configuration, indented by the blocks they are in."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def line(self, text: str = "") -> None:
        self.lines.append(_INDENT * self.depth + text if text else "")

    def comment(self, text: str) -> None:
        self.line(f"# {text}")

    @contextmanager
    def block(self, head: str) -> Iterator[None]:
        self.line(head + " {")
        self.depth += 1
        yield
        self.depth -= 1
        self.line("}")

    def text(self) -> str:
        return "\n".join(self.lines).rstrip("\n") + "\n"
