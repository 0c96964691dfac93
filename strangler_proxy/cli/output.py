"""How the command line prints: rich tables for a person, JSON for a program, errors on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

# Wide enough that a route table never wraps in a pipe or a test; a terminal's own width when it has one.
_console = Console(width=None if sys.stdout.isatty() else 240, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2))


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """An aligned table with upper-case headings, no borders (easy to read and to grep)."""
    table = Table(title=title, title_justify="left", box=None, pad_edge=False, show_edge=False)
    for column in columns:
        table.add_column(column.upper(), no_wrap=True)
    for row in rows:
        table.add_row(*row)
    _console.print(table)


def print_line(text: str) -> None:
    _console.print(text, markup=False)
