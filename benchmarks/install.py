"""What the benchmark needs from outside the venv, installed when missing, saying what it does.

Debian's `nginx` and `wrk` through apt-get (as root, or through sudo), django-revproxy through pip at the
version requirements.lock pins.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable

from benchmarks.processes import ROOT

# Debian puts nginx in /usr/sbin, which a non-root PATH often lacks.
_SBIN = ("/usr/sbin", "/sbin", "/usr/local/sbin")


def find_program(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in _SBIN:
        candidate = os.path.join(folder, name)
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _as_root(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return command
    if shutil.which("sudo"):
        return ["sudo", *command]
    raise SystemExit(f"benchmark: {' '.join(command)} needs root, and there is no sudo; run it as root first")


def ensure_debian_packages(programs: dict[str, str], say: Callable[[str], None]) -> dict[str, str]:
    """Program name -> path, installing the Debian package (value) of each program that is missing."""
    missing = sorted({package for program, package in programs.items() if find_program(program) is None})
    if missing:
        if not shutil.which("apt-get"):
            raise SystemExit(f"benchmark: {', '.join(missing)} missing and there is no apt-get to install them")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update", "-qq"],
                        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]):
            command = _as_root(command)
            say(f"installing: {' '.join(command)}")
            subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    paths = {program: find_program(program) for program in programs}
    absent = [program for program, path in paths.items() if path is None]
    if absent:
        raise SystemExit(f"benchmark: {', '.join(absent)} still missing after apt-get install")
    return {program: path for program, path in paths.items() if path is not None}


def ensure_python_package(module: str, requirement: str, say: Callable[[str], None]) -> None:
    """pip-install `requirement` into this venv (constrained by requirements.lock) if `module` is missing."""
    if importlib.util.find_spec(module) is not None:
        return
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
               "-c", str(ROOT / "requirements.lock"), requirement]
    say(f"installing: {' '.join(command)}")
    subprocess.run(command, check=True)
    importlib.invalidate_caches()
