"""XI. Logs: log lines written to files, and print-style messages on stderr instead of the log stream."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from strangler_proxy.doctor.commands import commands, gunicorn_configs, option
from strangler_proxy.doctor.findings import Factor, Spot
from strangler_proxy.doctor.project import Project
from strangler_proxy.doctor.rule import Rule, code_files, procfile
from strangler_proxy.doctor.sources import Procfile, PythonFile
from strangler_proxy.doctor.syntax import dict_items, dotted, keyword, last_name, module_assignments, string

FILE_HANDLERS = {"FileHandler", "RotatingFileHandler", "TimedRotatingFileHandler", "WatchedFileHandler",
                 "ConcurrentRotatingFileHandler"}
_STREAMS = {"-", "/dev/stdout", "/dev/stderr"}
_STDERR = {"sys.stderr", "sys.__stderr__"}
_LOG_FILE_OPTIONS = ("--log-file", "--logfile", "--access-logfile", "--error-logfile", "--logto")


def _handler_dict(node: ast.AST) -> str | None:
    items = dict(dict_items(node))
    handler = string(items.get("class")) or ""
    if handler.rsplit(".", 1)[-1] in FILE_HANDLERS:
        return handler
    if "class" in items and "filename" in items:
        return handler or "a handler"
    return None


def file_handlers(file: PythonFile, project: Project) -> Iterator[Spot]:
    for node in ast.walk(file.tree):
        if isinstance(node, ast.Call) and last_name(node.func) in FILE_HANDLERS:
            yield Spot(node.lineno, f"{dotted(node.func)}(...) writes log lines to a file")
        elif isinstance(node, ast.Call) and dotted(node.func) == "logging.basicConfig" \
                and keyword(node, "filename") is not None:
            yield Spot(node.lineno, "logging.basicConfig(filename=...) writes log lines to a file")
        elif (handler := _handler_dict(node)) is not None:
            yield Spot(getattr(node, "lineno", None), f"a logging handler ({handler}) writes to a file")
    if file in project.index(gunicorn_configs):
        for name, value, statement in module_assignments(file.tree):
            target = string(value)
            if name in {"accesslog", "errorlog"} and target and target not in _STREAMS:
                yield Spot(statement.lineno, f"gunicorn's {name} writes to the file {target}")


def stderr_prints(file: PythonFile, project: Project) -> Iterator[Spot]:
    streams = _STDERR | {alias.asname or alias.name for node in ast.walk(file.tree)
                         if isinstance(node, ast.ImportFrom) and node.module == "sys"
                         for alias in node.names if alias.name == "stderr"}
    for node in ast.walk(file.tree):
        if not isinstance(node, ast.Call):
            continue
        function = dotted(node.func) or ""
        stream = keyword(node, "file")
        if function == "print" and stream is not None and dotted(stream) in streams:
            yield Spot(node.lineno, f"print(..., file={dotted(stream)}) in application code")
        elif function.rpartition(".")[0] in streams and function.rpartition(".")[2] in {"write", "writelines"}:
            yield Spot(node.lineno, f"{function}(...) in application code")


def procfile_log_files(file: Procfile, project: Project) -> Iterator[Spot]:
    for line, words in commands(project):
        for name in _LOG_FILE_OPTIONS:
            target = option(words, name)
            if target and target not in _STREAMS:
                yield Spot(line, f"{words[0]} {name} {target} writes its log to a file")


RULES = (
    Rule(id="file-log-handler", factor=Factor.LOGS,
         why="A log file lives on one machine's disk: it is lost with the container, fills the disk, and is not "
             "where the platform collects, searches and alerts on logs.",
         fix="Log to stdout (logging.StreamHandler with stream ext://sys.stdout, gunicorn accesslog/errorlog "
             "\"-\") and let the platform route the stream.",
         sources=code_files, check=file_handlers),
    Rule(id="stderr-print", factor=Factor.LOGS,
         why="A message printed to stderr skips the logging configuration: no level, logger, timestamp or "
             "request id, and a second stream that the platform may keep apart or drop.",
         fix="logger = logging.getLogger(__name__); logger.warning(...); in a management command, self.stderr.",
         sources=code_files, check=stderr_prints),
    Rule(id="procfile-log-file", factor=Factor.LOGS,
         why="A process that writes its log to a file keeps it off the stream the platform collects.",
         fix="Drop the log-file option (gunicorn and Celery log to the console by default), or give \"-\".",
         sources=procfile, check=procfile_log_files),
)
