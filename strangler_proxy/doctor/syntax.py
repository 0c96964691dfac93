"""Reading a syntax tree the way the rules need it: dotted names, literals, settings, environment reads."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

_VARIABLE = re.compile(r"^[A-Z_][A-Z0-9_]*$")
# env("X"), env_str("X"), get_env("X"), getenv("X"), python-decouple's config("X"): the shapes of environment
# readers in Django projects.
_READER_FUNCTION = re.compile(r"^((get_?)?env(_[a-z0-9_]+)?|config)$")
_OS_READERS = {"os.environ.get", "os.getenv", "environ.get", "getenv"}
_OS_ENVIRON = {"os.environ", "environ"}
# django-environ's readers that take no name read a variable of their own.
_DEFAULT_VARIABLE = {"db": "DATABASE_URL", "db_url": "DATABASE_URL", "cache": "CACHE_URL", "cache_url": "CACHE_URL",
                     "email": "EMAIL_URL", "email_url": "EMAIL_URL", "search_url": "SEARCH_URL"}
_NAME_KEYWORDS = ("var", "name", "key", "option")


def dotted(node: ast.AST) -> str | None:
    """`os.environ.get` for that attribute chain; None for anything that is not names and attributes."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def keyword(call: ast.Call, *names: str) -> ast.expr | None:
    return next((item.value for item in call.keywords if item.arg in names), None)


def argument(call: ast.Call, position: int, *names: str) -> ast.expr | None:
    """The argument at `position`, or the keyword argument of one of `names`."""
    if len(call.args) > position and not isinstance(call.args[position], ast.Starred):
        return call.args[position]
    return keyword(call, *names)


def last_name(node: ast.AST) -> str | None:
    name = dotted(node)
    return name.rsplit(".", 1)[-1] if name else None


def module_assignments(tree: ast.Module) -> Iterator[tuple[str, ast.expr, ast.stmt]]:
    """(NAME, value, statement) for each module-level assignment, including those inside if/try/with blocks.

    Assignments inside functions and classes are locals, not settings.
    """
    def walk(body: list[ast.stmt]) -> Iterator[tuple[str, ast.expr, ast.stmt]]:
        for statement in body:
            if isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if isinstance(target, ast.Name):
                        yield target.id, statement.value, statement
            elif isinstance(statement, ast.AnnAssign | ast.AugAssign) and statement.value is not None:
                if isinstance(statement.target, ast.Name):
                    yield statement.target.id, statement.value, statement
            elif isinstance(statement, ast.If | ast.Try | ast.With | ast.For | ast.While):
                for block in ("body", "orelse", "finalbody", "handlers"):
                    for inner in getattr(statement, block, []):
                        yield from walk(inner.body if isinstance(inner, ast.ExceptHandler) else [inner])
    yield from walk(tree.body)


def dict_items(node: ast.AST) -> Iterator[tuple[str, ast.expr]]:
    """The string-keyed items of a dict literal or a `dict(KEY=...)` call."""
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            name = string(key)
            if name is not None:
                yield name, value
    elif isinstance(node, ast.Call) and dotted(node.func) == "dict":
        for item in node.keywords:
            if item.arg is not None:
                yield item.arg, item.value


def item(node: ast.AST, *keys: str) -> ast.expr | None:
    """`node[key][key]...` through dict literals; None where a key is missing or a value is not a literal dict."""
    found: ast.expr | None = None
    for key in keys:
        found = dict(dict_items(node)).get(key)
        if found is None:
            return None
        node = found
    return found


def strings(node: ast.AST) -> Iterator[tuple[ast.Constant, str]]:
    """Every string literal in `node`, with its text."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
            yield inner, inner.value


@dataclass(frozen=True)
class EnvRead:
    """One read of an environment variable named by a literal."""

    name: str
    line: int
    default: ast.expr | None
    name_node: ast.AST | None


def env_reads(tree: ast.AST) -> list[EnvRead]:
    """Every environment variable read by a literal name in `tree`, through os or an env helper."""
    reads = []
    for node in ast.walk(tree):
        read = _env_read(node)
        if read is not None:
            reads.append(read)
    return reads


def _env_read(node: ast.AST) -> EnvRead | None:
    if isinstance(node, ast.Call):
        return _call_read(node)
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and dotted(node.value) in _OS_ENVIRON:
        return _named(node.slice, node.lineno, None)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.In | ast.NotIn) \
            and dotted(node.comparators[0]) in _OS_ENVIRON:
        return _named(node.left, node.lineno, None)
    return None


def _call_read(call: ast.Call) -> EnvRead | None:
    function = dotted(call.func)
    if function is None:
        return None
    if function in _OS_READERS:
        return _named(argument(call, 0, "key"), call.lineno, argument(call, 1, "default"))
    if "." not in function and _READER_FUNCTION.match(function):
        return _named(argument(call, 0, *_NAME_KEYWORDS), call.lineno, argument(call, 1, "default"))
    receiver, _, method = function.rpartition(".")
    if receiver.rsplit(".", 1)[-1] == "env":  # a django-environ Env named env: env.str("X"), env.db()
        named = argument(call, 0, *_NAME_KEYWORDS)
        if named is None and method in _DEFAULT_VARIABLE:
            return EnvRead(_DEFAULT_VARIABLE[method], call.lineno, keyword(call, "default"), None)
        return _named(named, call.lineno, argument(call, 1, "default"))
    return None


def _named(node: ast.AST | None, line: int, default: ast.expr | None) -> EnvRead | None:
    name = string(node)
    if name is None or not _VARIABLE.match(name):
        return None
    return EnvRead(name, line, default, node)
