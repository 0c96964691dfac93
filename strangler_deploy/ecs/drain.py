"""How long each process needs to stop cleanly, and so the container's `stopTimeout`.

ECS sends SIGTERM, waits `stopTimeout` seconds, then SIGKILL. The numbers:

- gunicorn (web): its `graceful_timeout`, read from the configuration module the Procfile command names
  (`-c python:chassis.gunicorn_conf`: 25 s), plus a margin of 5 s for the arbiter to reap its workers
  and the interpreter to exit: 30 s. A command without a configuration module gets gunicorn's own default
  (30 s), so 35 s.
- Celery workers: a warm shutdown finishes the tasks in hand, which may take longer than any limit ECS
  allows, so they get ECS's maximum, 120 s. A task still running then is killed unacknowledged and, with
  late acks, delivered again after the broker's visibility timeout; nothing is lost.
- beat and the release task: nothing to drain; ECS's default, 30 s.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

from strangler_deploy.ecs.errors import ConfigurationError
from strangler_deploy.procfile import Kind, Process

GUNICORN_DEFAULT_GRACEFUL_TIMEOUT = 30
MARGIN_SECONDS = 5
ECS_MAXIMUM_STOP_TIMEOUT = 120
ECS_DEFAULT_STOP_TIMEOUT = 30

_GUNICORN_CONFIG = re.compile(r"gunicorn\s.*?-c\s+python:([\w.]+)")


def stop_timeout(process: Process) -> int:
    if process.kind is Kind.WEB:
        return min(graceful_timeout(process.command) + MARGIN_SECONDS, ECS_MAXIMUM_STOP_TIMEOUT)
    if process.kind is Kind.WORKER:
        return ECS_MAXIMUM_STOP_TIMEOUT
    return ECS_DEFAULT_STOP_TIMEOUT


def graceful_timeout(command: str) -> int:
    """gunicorn's graceful_timeout for this command, read from its configuration module's source."""
    matched = _GUNICORN_CONFIG.search(command)
    if matched is None:
        return GUNICORN_DEFAULT_GRACEFUL_TIMEOUT
    found = _module_setting(matched.group(1), "graceful_timeout", seen=set())
    return GUNICORN_DEFAULT_GRACEFUL_TIMEOUT if found is None else found


def _module_setting(module: str, name: str, seen: set[str]) -> int | None:
    """The integer a module assigns to `name`, following `from X import *` (read, never imported:
    a gunicorn configuration reads the environment at import)."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None or module in seen:
        return None
    seen.add(module)
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    value = None
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.module and any(a.name == "*" for a in statement.names):
            inherited = _module_setting(statement.module, name, seen)
            value = value if inherited is None else inherited
        elif isinstance(statement, ast.Assign) and any(_is_name(t, name) for t in statement.targets):
            value = _integer(statement.value, module, name)
    return value


def _integer(node: ast.expr, module: str, name: str) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    raise ConfigurationError([f"{module}.{name} is not a plain number; the ECS stop timeout is derived from it"])


def _is_name(target: ast.expr, name: str) -> bool:
    return isinstance(target, ast.Name) and target.id == name
