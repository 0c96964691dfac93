"""The Procfile: the process types declared (V), the web process on $PORT (VII), a release phase that migrates
(V), and processes that stay in the foreground without PID files (VIII)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from strangler_proxy.doctor.commands import (
    PORT_REFERENCE,
    SERVERS,
    commands,
    gunicorn_config,
    gunicorn_configs,
    has_flag,
    manage_command,
    option,
    program,
    segments,
)
from strangler_proxy.doctor.findings import Factor, Spot
from strangler_proxy.doctor.project import Project, star_imports
from strangler_proxy.doctor.rule import Rule, procfile
from strangler_proxy.doctor.sources import Procfile, PythonFile
from strangler_proxy.doctor.syntax import env_reads, module_assignments, string

_FIXED_PORT = re.compile(r"(^|\s)PORT=\d+")
_MIGRATE_IN_SCRIPT = re.compile(r"(manage(\.py)?|django-admin)\s+migrate\b")


def missing_procfile(file: Procfile, project: Project) -> Iterator[Spot]:
    if not file.exists:
        yield Spot(None, "no Procfile at the project root: no process type (web, worker, release) is declared")


# ---------------------------------------------------------------- web on $PORT
def web_port(file: Procfile, project: Project) -> Iterator[Spot]:
    web = file.process("web")
    if web is None:
        return
    if _FIXED_PORT.search(web.command):
        problem: str | None = "it sets PORT to a number itself"
    else:
        problem = _port_problem(project, web.command)
    if problem:
        yield Spot(web.line, f"the web process does not bind $PORT: {problem}")


def _port_problem(project: Project, command: str) -> str | None:
    """What keeps the web command off $PORT, or None when it binds it."""
    for words in segments(command):
        name = program(words)
        if name == "gunicorn":
            return _gunicorn_port(project, words, command)
        if manage_command(words) == "runserver":
            address = next((word for word in words[words.index("runserver") + 1:] if not word.startswith("-")), None)
            if address and PORT_REFERENCE.search(address):
                return None
            return f"runserver listens on {address or 'its default, 8000'}"
        if name in SERVERS:
            return None if PORT_REFERENCE.search(" ".join(words)) else f"{name} is not given $PORT"
    if PORT_REFERENCE.search(command) or any(_script_mentions_port(project, words) for words in segments(command)):
        return None
    return "its command never mentions $PORT"


def _gunicorn_port(project: Project, words: list[str], command: str) -> str | None:
    bind = option(words, "-b", "--bind")
    if bind is not None:
        return None if PORT_REFERENCE.search(bind) else f"gunicorn binds {bind}"
    if "GUNICORN_CMD_ARGS=" in command and PORT_REFERENCE.search(command):
        return None  # GUNICORN_CMD_ARGS="--bind 0.0.0.0:$PORT" on the line
    config = gunicorn_config(project, words)
    if config is None:
        return "gunicorn has no --bind and no config module"
    if _reads_port(project, config):
        return None
    return f"gunicorn has no --bind and its config {config.rel} does not read PORT"


def _reads_port(project: Project, config: PythonFile) -> bool:
    seen, waiting = set(), [config]
    while waiting:
        module = waiting.pop()
        if module.rel in seen:
            continue
        seen.add(module.rel)
        if any(read.name == "PORT" for read in env_reads(module.tree)):
            return True
        waiting.extend(star_imports(project, module))
    return False


def _script_mentions_port(project: Project, words: list[str]) -> bool:
    script = _script(project, words)
    return script is not None and "PORT" in script


def _script(project: Project, words: list[str]) -> str | None:
    """The text of a script in the project that the command runs (`bin/web`, `sh bin/release.sh`)."""
    name = words[1] if words[0] in {"sh", "bash"} and len(words) > 1 else words[0]
    path = (project.root / name).resolve()
    if path.is_relative_to(project.root) and path.is_file():
        return path.read_text(encoding="utf-8", errors="replace")
    return None


# ---------------------------------------------------------------- release phase
def release_migrates(file: Procfile, project: Project) -> Iterator[Spot]:
    if not file.exists:
        return
    release = file.process("release")
    if release is None:
        yield Spot(None, "no release process: nothing runs migrate before the new code takes traffic")
    elif not any(_migrates(project, words) for words in segments(release.command)):
        yield Spot(release.line, "the release process does not run migrate")


def _migrates(project: Project, words: list[str]) -> bool:
    command = manage_command(words)
    if command == "migrate":
        return True
    if command is not None:  # a command of the project's own, e.g. `release`, that runs migrate itself
        return any(_calls_migrate(file) for file in project.find("management", "commands", f"{command}.py"))
    script = _script(project, words)
    return script is not None and bool(_MIGRATE_IN_SCRIPT.search(script))


def _calls_migrate(file: PythonFile) -> bool:
    return any(isinstance(node, ast.Call) and node.args and string(node.args[0]) == "migrate"
               for node in ast.walk(file.tree))


# ---------------------------------------------------------------- daemons and PID files
def procfile_daemons(file: Procfile, project: Project) -> Iterator[Spot]:
    for line, words in commands(project):
        name = program(words)
        found = [flag for flag in ("--daemon", "--detach") if has_flag(words, flag)]
        found += ["-D"] if name == "gunicorn" and "-D" in words else []
        found += ["multi"] if name == "celery" and "multi" in words else []
        daemonize = option(words, "--daemonize")
        found += [f"--daemonize {daemonize}"] if daemonize and daemonize != "no" else []
        pid = option(words, "--pid", "--pidfile", *(["-p"] if name == "gunicorn" else []))
        found += [f"a PID file ({pid})"] if pid else []
        if found:
            yield Spot(line, f"{name} with {', '.join(found)}")


def gunicorn_daemons(file: PythonFile, project: Project) -> Iterator[Spot]:
    for name, value, statement in module_assignments(file.tree):
        if name == "daemon" and isinstance(value, ast.Constant) and value.value is True:
            yield Spot(statement.lineno, "gunicorn's daemon = True")
        elif name == "pidfile" and string(value):
            yield Spot(statement.lineno, f"gunicorn's pidfile = {string(value)!r}")


_DAEMON_WHY = ("A process that detaches or keeps a PID file hides from the process manager (the platform, honcho, "
               "systemd): it cannot restart it on a crash, stop it on scale-down, or collect its output; a stale "
               "PID file can keep it from starting again.")
_DAEMON_FIX = "Run in the foreground and let the process manager supervise it: drop --daemon/--detach/--pidfile."

RULES = (
    Rule(id="procfile-missing", factor=Factor.BUILD_RELEASE_RUN,
         why="Without a Procfile the platform does not know which processes make up the app or how to start them, "
             "and there is no release phase.",
         fix="Add a Procfile: `release: python manage.py migrate --noinput`, `web: gunicorn site.wsgi --bind "
             "0.0.0.0:$PORT`, and a line per worker.",
         sources=procfile, check=missing_procfile),
    Rule(id="web-port", factor=Factor.PORT_BINDING,
         why="The platform gives the web process its port in $PORT and routes traffic there; a fixed port is not "
             "reachable, or collides with another process on the same host.",
         fix="`gunicorn site.wsgi --bind 0.0.0.0:$PORT`, or a gunicorn config module that sets bind from PORT.",
         sources=procfile, check=web_port),
    Rule(id="release-migrate", factor=Factor.BUILD_RELEASE_RUN,
         why="Without a release phase, migrations run by hand or at web start-up: a deploy can serve new code "
             "against an old schema, and every web process races to migrate.",
         fix="Add `release: python manage.py migrate --noinput` to the Procfile (it runs once per deploy, before "
             "the new processes start).",
         sources=procfile, check=release_migrates),
    Rule(id="procfile-daemon", factor=Factor.CONCURRENCY, why=_DAEMON_WHY, fix=_DAEMON_FIX,
         sources=procfile, check=procfile_daemons),
    Rule(id="gunicorn-daemon", factor=Factor.CONCURRENCY, why=_DAEMON_WHY,
         fix="Remove daemon and pidfile from the gunicorn config: gunicorn stays in the foreground by default.",
         sources=gunicorn_configs, check=gunicorn_daemons),
)
