"""Reading the Procfile's commands: the programs each line runs, their options, the gunicorn configs it names."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import PurePosixPath

from strangler_proxy.doctor.project import Project
from strangler_proxy.doctor.sources import PythonFile

_SEPARATOR = re.compile(r"\s*(?:&&|\|\||;)\s*")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_PREFIXES = {"exec", "env", "nice", "nohup", "time"}
# Programs found behind a wrapper (`newrelic-admin run-program gunicorn ...`, `ddtrace-run celery ...`).
SERVERS = {"gunicorn", "uvicorn", "daphne", "hypercorn", "waitress-serve", "uwsgi"}
_PROGRAMS = {*SERVERS, "celery"}
PORT_REFERENCE = re.compile(r"\$(PORT\b|\{PORT\b)")
GUNICORN_DEFAULT_CONFIG = "gunicorn.conf.py"


def segments(command: str) -> list[list[str]]:
    """Each simple command of a line (split at &&, || and ;) as words, from the program it runs on: without
    leading VAR=value, exec or a wrapper in front of a known server or celery."""
    found = []
    for part in _SEPARATOR.split(command):
        try:
            words = shlex.split(part, comments=True)
        except ValueError:
            words = part.split()
        while words and (_ASSIGNMENT.match(words[0]) or words[0] in _PREFIXES):
            words.pop(0)
        known = [index for index, word in enumerate(words) if PurePosixPath(word).name in _PROGRAMS]
        words = words[known[0]:] if known else words
        if words:
            found.append(words)
    return found


def program(words: list[str]) -> str:
    """The program a command runs: `gunicorn` for `gunicorn ...` and for `python -m gunicorn ...`."""
    first = PurePosixPath(words[0]).name
    if first.startswith("python") and "-m" in words[:-1]:
        return words[words.index("-m") + 1]
    return first


def option(words: list[str], *names: str) -> str | None:
    """The value of the first of `names` given: `--bind X`, `--bind=X` or `-bX`."""
    for index, word in enumerate(words):
        for name in names:
            if word == name and index + 1 < len(words):
                return words[index + 1]
            if name.startswith("--") and word.startswith(name + "="):
                return word[len(name) + 1:]
            if not name.startswith("--") and word.startswith(name) and len(word) > len(name):
                return word[len(name):]
    return None


def has_flag(words: list[str], *names: str) -> bool:
    return any(word in names or any(word.startswith(f"{name}=") for name in names if name.startswith("--"))
               for word in words)


def manage_command(words: list[str]) -> str | None:
    """The Django command a line runs: `migrate` for `python manage.py migrate` or `python -m site.manage migrate`."""
    for index, word in enumerate(words):
        runs_manage = (word.endswith("manage.py") or PurePosixPath(word).name in {"django-admin", "django-admin.py"}
                       or (index > 0 and words[index - 1] == "-m" and word.rsplit(".", 1)[-1] == "manage"))
        if runs_manage:
            rest = [later for later in words[index + 1:] if not later.startswith("-")]
            return rest[0] if rest else None
    return None


def is_gunicorn(words: list[str]) -> bool:
    return program(words) == "gunicorn"


def gunicorn_config(project: Project, words: list[str]) -> PythonFile | None:
    """The configuration module a gunicorn command reads: `-c python:mod`, `-c file.py`, else ./gunicorn.conf.py."""
    named = option(words, "-c", "--config")
    if named is None:
        return project.load(project.root / GUNICORN_DEFAULT_CONFIG)
    if named.startswith("python:"):
        return project.module(named.removeprefix("python:"))
    return project.load(project.root / named)


def gunicorn_configs(project: Project) -> tuple[PythonFile, ...]:
    """Every gunicorn configuration: those the Procfile names, and application files named gunicorn*.py."""
    named = [gunicorn_config(project, words) for process in project.procfile.processes
             for words in segments(process.command) if is_gunicorn(words)]
    by_name = [file for file in project.files if file.parts[-1].startswith("gunicorn")]
    return tuple(dict.fromkeys(file for file in (*named, *by_name) if file is not None))


def commands(project: Project) -> Iterator[tuple[int, list[str]]]:
    """(line, words) for every simple command of every Procfile line."""
    for process in project.procfile.processes:
        for words in segments(process.command):
            yield process.line, words
