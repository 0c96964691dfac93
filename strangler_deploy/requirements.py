"""`requirements.txt`: the runtime part of `requirements.lock`, for installers that want that file.

Heroku's Python buildpack recognises `requirements.txt` (not `requirements.lock`), and the image installs
the same file, so a build anywhere installs exactly the lock's versions of what the processes import:
`pyproject.toml`'s `dependencies` and everything they require, without the dev, test and bench extras.
The dependency graph is read from the installed distributions' metadata (the `.venv` that `./kit`
installs from the lock), evaluated for the platform the processes run on: CPython 3.11 on Linux.
"""

from __future__ import annotations

import importlib.metadata
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PYTHON_VERSION = "3.11"
# Where the processes run: markers are evaluated for it, not for this machine. The image's base and
# Heroku (`.python-version` says "3.11") both take the latest 3.11 release, so any patch level is later
# than a marker's bound (redis's `python_full_version < "3.11.3"`).
TARGET = {"python_version": PYTHON_VERSION, "python_full_version": f"{PYTHON_VERSION}.99",
          "implementation_name": "cpython", "platform_python_implementation": "CPython",
          "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"}
HEADER = ("# Generated from requirements.lock by `strangler deploy heroku render`; do not edit.\n"
          "# The runtime dependencies of pyproject.toml and all they require, at the lock's versions.\n")
# Last, the kit itself, for the `strangler` command some Procfile lines run; editable, so the code runs
# from the app's folder with its data files (templates, routes.toml) and nothing is copied twice.
# Its dependencies are the pinned lines above. Heroku's buildpack rewrites the build path at boot.
THE_KIT = "-e ."


class LockError(ValueError):
    """The lock does not pin a runtime dependency, or the installed one differs from the lock."""


def read_lock(path: Path) -> dict[str, str]:
    """Canonical name -> the lock's `name==version` line."""
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            pins[canonicalize_name(requirement.name)] = line
    return pins


def runtime_dependencies(pyproject: Path) -> list[str]:
    with pyproject.open("rb") as file:
        return list(tomllib.load(file)["project"]["dependencies"])


def render_requirements(dependencies: Sequence[str], pins: Mapping[str, str],
                        requires: Callable[[str], list[str] | None] = importlib.metadata.requires) -> str:
    """The pinned closure of `dependencies`, one `name==version` a line, sorted by name."""
    wanted: dict[str, set[str]] = {}  # canonical name -> extras asked of it
    pending = [Requirement(dependency) for dependency in dependencies]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if name not in pins:
            raise LockError(f"{requirement.name} is required at run time but requirements.lock does not pin it")
        new_extras = set(requirement.extras) - wanted.get(name, set())
        if name in wanted and not new_extras:
            continue
        wanted.setdefault(name, set()).update(requirement.extras)
        pending.extend(_requirements_of(name, requirement.extras or {""}, pins, requires))
    return HEADER + "".join(f"{pins[name]}\n" for name in sorted(wanted)) + f"{THE_KIT}\n"


def _requirements_of(name: str, extras: set[str], pins: Mapping[str, str],
                     requires: Callable[[str], list[str] | None]) -> list[Requirement]:
    pinned = Requirement(pins[name])
    try:
        installed = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        raise LockError(f"{name} is not installed: run ./kit test (or ./kit up) to install the lock") from None
    if installed not in pinned.specifier:
        raise LockError(f"{name} {installed} is installed but the lock pins {pins[name]}: run ./kit to reinstall")
    found = []
    for line in requires(name) or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is None or any(marker.evaluate(_environment(extra)) for extra in extras | {""}):
            found.append(requirement)
    return found


def _environment(extra: str) -> dict[str, str]:
    environment = {key: str(value) for key, value in default_environment().items()}
    environment.update(TARGET)
    environment["extra"] = extra
    return environment
