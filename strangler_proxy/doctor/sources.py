"""The files the doctor reads, parsed once: Python modules (as `ast`), the Procfile and `.env.example`.

Nothing here imports or runs the project's code: a team's monolith may do anything on import.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

PROCFILE = "Procfile"
ENV_EXAMPLE = ".env.example"
# The same file under the other names projects give it; the first found is read.
_ENV_EXAMPLES = (ENV_EXAMPLE, ".env.sample", ".env.template", ".env.dist", "env.example")
_PROCESS = re.compile(r"^([A-Za-z0-9_-]+):\s*(.*)$")
# A commented-out assignment documents a variable as well as a live one (`# ROUTES_FILE=...`).
_DOCUMENTED = re.compile(r"^\s*#?\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


@dataclass(frozen=True)
class PythonFile:
    path: Path
    rel: str
    tree: ast.Module

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.rel.split("/"))

    @property
    def is_management_command(self) -> bool:
        """A file under `<app>/management/commands/`: an admin process an operator runs (factor XII)."""
        parts = self.parts
        return any(parts[i:i + 2] == ("management", "commands") for i in range(len(parts) - 2))


@dataclass(frozen=True)
class Process:
    """One line of the Procfile: `name: command`."""

    name: str
    line: int
    command: str


@dataclass(frozen=True)
class Procfile:
    exists: bool
    processes: tuple[Process, ...] = ()
    rel: str = PROCFILE

    def process(self, name: str) -> Process | None:
        return next((process for process in self.processes if process.name == name), None)


@dataclass(frozen=True)
class EnvExample:
    exists: bool
    names: frozenset[str] = frozenset()
    rel: str = ENV_EXAMPLE


def parse_python(path: Path, root: Path) -> PythonFile | None:
    """The module's syntax tree, or None when it is not Python this interpreter can parse (e.g. Python 2)."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError, OSError):
        return None
    return PythonFile(path=path, rel=path.relative_to(root).as_posix(), tree=tree)


def read_procfile(root: Path) -> Procfile:
    path = root / PROCFILE
    if not path.is_file():
        return Procfile(exists=False)
    processes = []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        match = _PROCESS.match(line.strip())
        if match and not line.lstrip().startswith("#"):
            processes.append(Process(name=match[1], line=number, command=match[2]))
    return Procfile(exists=True, processes=tuple(processes))


def read_env_example(root: Path) -> EnvExample:
    path = next((root / name for name in _ENV_EXAMPLES if (root / name).is_file()), None)
    if path is None:
        return EnvExample(exists=False)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return EnvExample(exists=True, names=frozenset(match[1] for match in map(_DOCUMENTED.match, lines) if match),
                      rel=path.name)
