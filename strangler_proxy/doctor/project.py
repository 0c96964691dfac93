"""A Django project on disk, found and parsed without running it: its code, settings, Procfile and .env.example.

    NotADjangoProject(Exception)   PATH holds no manage.py naming settings and no settings module

Application code is every Python file under PATH except tests, migrations, benchmarks, a devstack, virtualenvs,
node_modules and hidden folders. The settings modules are the ones `--settings` names, else the ones
each manage.py names (its DJANGO_SETTINGS_MODULE), else every settings.py and settings/ package; each
comes with what it star-imports and, in a settings/ package, its siblings.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

from strangler_proxy.doctor.sources import (
    EnvExample,
    Procfile,
    PythonFile,
    parse_python,
    read_env_example,
    read_procfile,
)
from strangler_proxy.doctor.syntax import string

T = TypeVar("T")
# Not application code: tests, benchmarks and the development stack that launches processes for them
# (devstack: it writes its processes' logs where the tests ask), migrations, installed packages.
SKIPPED_FOLDERS = frozenset({"tests", "test", "benchmarks", "devstack", "migrations", "node_modules", "__pycache__",
                             "venv", "site-packages"})
_MODULE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")


class NotADjangoProject(Exception):
    """PATH is not a folder holding a Django project the doctor can find the settings of."""


class Project:
    """The parsed project. Rules read it; `index()` keeps what a rule works out once for the whole project."""

    def __init__(self, root: Path, files: list[PythonFile], unreadable: list[str]) -> None:
        self.root = root
        self.files = tuple(files)
        self.unreadable = tuple(unreadable)
        self.procfile: Procfile = read_procfile(root)
        self.env_example: EnvExample = read_env_example(root)
        self.settings_groups: tuple[tuple[PythonFile, ...], ...] = ()
        self._by_path = {file.path: file for file in files}
        self._indexes: dict[Callable[[Project], Any], Any] = {}

    @property
    def settings(self) -> tuple[PythonFile, ...]:
        return tuple(dict.fromkeys(file for group in self.settings_groups for file in group))

    def peers(self, file: PythonFile) -> tuple[PythonFile, ...]:
        """The settings files read together with `file` (one deployable's settings), `file` included."""
        return tuple(dict.fromkeys(peer for group in self.settings_groups if file in group for peer in group))

    def index(self, build: Callable[[Project], T]) -> T:
        if build not in self._indexes:
            self._indexes[build] = build(self)
        return cast(T, self._indexes[build])

    def load(self, path: Path) -> PythonFile | None:
        """The parsed file at `path` (under the root), parsing it now if the walk skipped it."""
        path = path.resolve()
        if not path.is_relative_to(self.root):
            return None
        if path not in self._by_path:
            parsed = parse_python(path, self.root) if path.is_file() else None
            if parsed is None:
                return None
            self._by_path[path] = parsed
        return self._by_path[path]

    def module(self, dotted: str, *, base: Path | None = None) -> PythonFile | None:
        """The module `dotted` names, as Python would import it from `base` (the root by default)."""
        folder = (base or self.root).joinpath(*dotted.split("."))
        for candidate in (folder.with_suffix(".py"), folder / "__init__.py"):
            if candidate.is_file() and candidate.resolve().is_relative_to(self.root):
                return self.load(candidate)
        return None

    def find(self, *tail: str) -> Iterator[PythonFile]:
        """Application files whose path ends with `tail`."""
        return (file for file in self.files if file.parts[-len(tail):] == tail)


def load_project(path: Path, settings: str | None = None) -> Project:
    root = path.resolve()
    if not root.is_dir():
        raise NotADjangoProject(f"{path} is not a folder")
    files, unreadable = [], []
    for file_path in _python_paths(root):
        parsed = parse_python(file_path, root)
        if parsed is None:
            unreadable.append(file_path.relative_to(root).as_posix())
        else:
            files.append(parsed)
    project = Project(root, files, unreadable)
    project.settings_groups = tuple(_closure(project, module) for module in _settings_modules(project, settings))
    return project


def _python_paths(root: Path) -> Iterator[Path]:
    for directory, folders, names in os.walk(root):
        here = Path(directory)
        folders[:] = sorted(name for name in folders if not _skipped(here / name))
        for name in sorted(names):
            if name.endswith(".py") and not _is_test(name):
                yield here / name


def _skipped(folder: Path) -> bool:
    return folder.name.startswith(".") or folder.name in SKIPPED_FOLDERS or (folder / "pyvenv.cfg").exists()


def _is_test(name: str) -> bool:
    """Test modules, and the test settings of a settings/ package (settings/test.py)."""
    return name.startswith("test_") or name.endswith("_test.py") or name in {"test.py", "tests.py", "conftest.py"}


def _settings_modules(project: Project, named: str | None) -> list[PythonFile]:
    if named is not None:
        module = project.module(named)
        if module is None:
            raise NotADjangoProject(f"no settings module {named} under {project.root} "
                                    f"(looked for {named.replace('.', '/')}.py and its __init__.py)")
        return [module]
    named_by_manage = list(dict.fromkeys(module for manage in project.find("manage.py")
                                         for module in _named_in_manage(project, manage)))
    if named_by_manage:
        return named_by_manage
    found = [file for file in project.files
             if file.parts[-1] == "settings.py" or (len(file.parts) > 1 and file.parts[-2] == "settings")]
    if not found:
        raise NotADjangoProject(f"{project.root} is not a Django project: no manage.py naming a settings module, "
                                "no settings.py and no settings/ package; name the settings module with --settings")
    return found


def _named_in_manage(project: Project, manage: PythonFile) -> Iterator[PythonFile]:
    """Modules a manage.py names in a call: os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site.settings")."""
    for node in ast.walk(manage.tree):
        if not isinstance(node, ast.Call):
            continue
        for value in (*node.args, *(item.value for item in node.keywords)):
            name = string(value)
            if name and _MODULE.match(name):
                # Python puts manage.py's folder first on the path; `python -m a.manage` runs from the root.
                for base in (manage.path.parent, *manage.path.parent.parents):
                    module = project.module(name, base=base)
                    if module is not None:
                        yield module
                        break
                    if base == project.root:
                        break


def _closure(project: Project, module: PythonFile) -> tuple[PythonFile, ...]:
    """`module`, what it star-imports (transitively) and, inside a settings/ package, every sibling."""
    seen: dict[PythonFile, None] = {}
    waiting = [module]
    while waiting:
        file = waiting.pop()
        if file in seen:
            continue
        seen[file] = None
        if file.path.parent.name == "settings":
            siblings = sorted(path for path in file.path.parent.glob("*.py") if not _is_test(path.name))
            waiting.extend(filter(None, map(project.load, siblings)))
        waiting.extend(star_imports(project, file))
    return tuple(seen)


def star_imports(project: Project, file: PythonFile) -> Iterator[PythonFile]:
    for node in ast.walk(file.tree):
        if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
            base = file.path.parents[node.level - 1] if node.level else None
            module = project.module(node.module, base=base) if node.module else None
            if module is not None:
                yield module
