"""Rendered deployment files: written to a folder, or compared with what is there (`--check`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import click

# Relative path -> text: what a renderer produces.
Rendered = Mapping[str, str]


def write_files(out: Path, files: Rendered) -> list[Path]:
    """Write where the operator's --out says (command-line output, as click writes it; not process state)."""
    written = []
    for relative, text in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with click.open_file(str(path), "w", encoding="utf-8") as file:
            file.write(text)
        written.append(path)
    return written


def stale_files(out: Path, files: Rendered) -> list[Path]:
    """The files under `out` that are missing or differ from what was rendered."""
    return [out / relative for relative, text in files.items()
            if not (out / relative).is_file() or (out / relative).read_text(encoding="utf-8") != text]
