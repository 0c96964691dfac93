"""VI. Processes: state kept on the local disk or in one process's memory, where other processes cannot see it."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from strangler_proxy.doctor.findings import Factor, Spot
from strangler_proxy.doctor.project import Project
from strangler_proxy.doctor.rule import Rule, code_files, settings_files
from strangler_proxy.doctor.sources import PythonFile
from strangler_proxy.doctor.syntax import argument, dict_items, dotted, item, module_assignments, string

_TEMP_FUNCTIONS = {"gettempdir", "mkdtemp", "mkstemp", "TemporaryDirectory", "NamedTemporaryFile",
                   "SpooledTemporaryFile", "TemporaryFile"}
# Scratch folders by convention: the OS's, and prometheus_client's per-host multiprocess folder.
_TEMP_VARIABLES = {"TMPDIR", "TEMP", "TMP", "PROMETHEUS_MULTIPROC_DIR"}
_TEMP_PREFIXES = ("/tmp", "/var/tmp", "/dev/")
_WRITE_MODE = re.compile(r"^[rbt]*[wax+][rwaxbt+]*$")
_OPENERS = {"open", "io.open", "codecs.open", "gzip.open", "bz2.open", "lzma.open"}
_CLI_DECORATORS = {"command", "group", "option", "argument"}
LOCAL_CACHES = ("LocMemCache", "FileBasedCache")
# Calls that only make sense when every process sees the same cache: counters, locks, invalidation.
_SHARED_METHODS = {"incr", "decr", "add", "delete", "delete_many", "clear", "touch", "incr_version", "decr_version",
                   "lock"}


# ---------------------------------------------------------------- writes to the local disk
def _key(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}:
        return f"self.{node.attr}"
    return None


def _targets(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Tuple | ast.List):
        for item in node.elts:
            yield from _targets(item)
    elif (key := _key(node)) is not None:
        yield key


def _is_temp(expression: ast.AST, temps: set[str]) -> bool:
    for node in ast.walk(expression):
        name = dotted(node) or ""
        if _key(node) in temps or name.startswith("tempfile.") or name in _TEMP_FUNCTIONS or name == "os.devnull":
            return True
        text = string(node)
        if text is not None and (text.startswith(_TEMP_PREFIXES) or text in _TEMP_VARIABLES):
            return True
    return False


def _temp_names(tree: ast.Module) -> set[str]:
    """Names and self attributes that hold a temporary path, however many assignments away from tempfile."""
    pairs: list[tuple[str, ast.expr]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            pairs += [(key, node.value) for target in node.targets for key in _targets(target)]
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
            pairs += [(key, node.value) for key in _targets(node.target)]
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            pairs += [(key, node.context_expr) for key in _targets(node.optional_vars)]
    temps: set[str] = set()
    while new := {key for key, value in pairs if key not in temps and _is_temp(value, temps)}:
        temps |= new
    return temps


def _writes(tree: ast.Module) -> Iterator[tuple[ast.Call, ast.expr, str]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = dotted(node.func) or ""
        if function in _OPENERS:
            path, mode = argument(node, 0, "file", "filename"), string(argument(node, 1, "mode"))
            if path is not None and mode and _WRITE_MODE.match(mode):
                yield node, path, f"{function}(..., {mode!r})"
        elif isinstance(node.func, ast.Attribute) and node.func.attr == "open":
            mode = string(argument(node, 0, "mode"))
            if mode and _WRITE_MODE.match(mode):
                yield node, node.func.value, f".open({mode!r})"
        elif isinstance(node.func, ast.Attribute) and node.func.attr in {"write_text", "write_bytes"}:
            yield node, node.func.value, f".{node.func.attr}(...)"


def _in_commands(tree: ast.Module) -> set[int]:
    """Nodes inside command-line commands (click): an operator chose where their output goes (XII)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(map(_is_command, node.decorator_list)):
            inside.update(id(inner) for inner in ast.walk(node))
    return inside


def _is_command(decorator: ast.expr) -> bool:
    """@click.command(), @group.command(), @click.option(...)."""
    name = dotted(decorator.func if isinstance(decorator, ast.Call) else decorator) or ""
    return name.startswith("click.") or name.rsplit(".", 1)[-1] in _CLI_DECORATORS


def disk_writes(file: PythonFile, project: Project) -> Iterator[Spot]:
    if file.is_management_command:
        return
    temps, commands = _temp_names(file.tree), _in_commands(file.tree)
    for call, path, what in _writes(file.tree):
        if id(call) not in commands and not _is_temp(path, temps):
            yield Spot(call.lineno, f"{what} writes {ast.unparse(path)[:60]} on the local disk")


# ---------------------------------------------------------------- uploads, sessions and caches
def _settings(project: Project, file: PythonFile, name: str) -> list[tuple[ast.expr, ast.stmt]]:
    """Every assignment of `name` in the settings read together with `file`."""
    return [(value, statement) for peer in project.peers(file)
            for assigned, value, statement in module_assignments(peer.tree) if assigned == name]


def file_storage(file: PythonFile, project: Project) -> Iterator[Spot]:
    for name, value, statement in module_assignments(file.tree):
        if name == "DEFAULT_FILE_STORAGE" and (string(value) or "").endswith("FileSystemStorage"):
            yield Spot(statement.lineno, "DEFAULT_FILE_STORAGE is FileSystemStorage: uploads land on this disk")
        elif name == "STORAGES":
            backend = item(value, "default", "BACKEND")
            if backend is not None and (string(backend) or "").endswith("FileSystemStorage"):
                yield Spot(backend.lineno, "STORAGES['default'] is FileSystemStorage: uploads land on this disk")
        elif name == "MEDIA_ROOT" and not _settings(project, file, "DEFAULT_FILE_STORAGE") \
                and not _settings(project, file, "STORAGES"):
            yield Spot(statement.lineno, "MEDIA_ROOT with Django's default FileSystemStorage: uploads land on "
                                         "this disk")


def _cache_backends(project: Project, file: PythonFile) -> dict[str, tuple[str, int]] | None:
    """alias -> (BACKEND, line) of the CACHES read with `file`; None when no settings file sets CACHES."""
    assigned = _settings(project, file, "CACHES")
    if not assigned:
        return None
    backends = {}
    for value, _statement in assigned:
        for alias, entry in dict_items(value):
            backends[alias] = (string(item(entry, "BACKEND")) or "", entry.lineno)
    return backends


def _is_local(backend: str) -> bool:
    return backend.rsplit(".", 1)[-1] in LOCAL_CACHES


def local_sessions(file: PythonFile, project: Project) -> Iterator[Spot]:
    for name, value, statement in module_assignments(file.tree):
        engine = string(value) if name == "SESSION_ENGINE" else None
        if engine is None:
            continue
        if engine.endswith(".file"):
            yield Spot(statement.lineno, "SESSION_ENGINE keeps sessions in files on this disk")
        elif engine.endswith((".cache", ".cached_db")):
            aliases = [string(named) for named, _ in _settings(project, file, "SESSION_CACHE_ALIAS")]
            alias = next((alias for alias in aliases if alias), "default")
            backends = _cache_backends(project, file)
            backend = "LocMemCache (Django's default)" if backends is None else backends.get(alias, ("", 0))[0]
            if backends is None or _is_local(backend):
                yield Spot(statement.lineno, f"SESSION_ENGINE {engine.rsplit('.', 1)[-1]} on the {alias!r} cache, "
                                             f"a {backend.rsplit('.', 1)[-1]} in each process")


def _shared_cache_uses(project: Project) -> dict[str, list[str]]:
    """alias -> where the code relies on every process seeing that cache ("file:line cache.incr")."""
    uses: dict[str, list[str]] = {}
    for file in project.files:
        handles = _cache_handles(file.tree)
        for node in ast.walk(file.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in _SHARED_METHODS:
                receiver = node.func.value
                alias = _caches_alias(receiver) or handles.get(_key(receiver) or "") \
                    or ("default" if dotted(receiver) == "django.core.cache.cache" else None)
                if alias:
                    uses.setdefault(alias, []).append(f"{file.rel}:{node.lineno} {ast.unparse(node.func)}")
            for name, value in _throttles(node):
                uses.setdefault("default", []).append(f"{file.rel}:{value.lineno} DRF {name}")
    return uses


def _cache_handles(tree: ast.Module) -> dict[str, str]:
    """Names that stand for a cache, with its alias: `cache` from django.core.cache, `x = caches["x"]`."""
    handles = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.core.cache":
            handles.update({alias.asname or alias.name: "default" for alias in node.names if alias.name == "cache"})
        elif isinstance(node, ast.Assign) and (alias := _caches_alias(node.value)):
            handles.update({key: alias for target in node.targets for key in _targets(target)})
    return handles


def _throttles(node: ast.AST) -> Iterator[tuple[str, ast.expr]]:
    """DRF throttles (they count in the default cache): DEFAULT_THROTTLE_CLASSES, a view's throttle_classes."""
    pairs: list[tuple[str, ast.expr]] = []
    if isinstance(node, ast.Dict):
        pairs = list(dict_items(node))
    elif isinstance(node, ast.Call):
        pairs = [(given.arg, given.value) for given in node.keywords if given.arg]
    elif isinstance(node, ast.ClassDef):
        pairs = [(target.id, statement.value) for statement in node.body if isinstance(statement, ast.Assign)
                 for target in statement.targets if isinstance(target, ast.Name)]
    for name, value in pairs:
        if name in {"throttle_classes", "DEFAULT_THROTTLE_CLASSES"} and isinstance(value, ast.List | ast.Tuple) \
                and value.elts:
            yield name, value


def _caches_alias(node: ast.AST) -> str | None:
    """"x" for caches["x"]."""
    if isinstance(node, ast.Subscript) and (dotted(node.value) or "").endswith("caches"):
        return string(node.slice)
    return None


def local_caches(file: PythonFile, project: Project) -> Iterator[Spot]:
    uses = project.index(_shared_cache_uses)
    for name, value, _statement in module_assignments(file.tree):
        if name != "CACHES":
            continue
        for alias, entry in dict_items(value):
            backend = string(item(entry, "BACKEND")) or ""
            if _is_local(backend) and alias in uses:
                yield Spot(entry.lineno, f"CACHES[{alias!r}] is a {backend.rsplit('.', 1)[-1]} in each process, and "
                                         f"{_first(uses[alias])} needs one every process sees")
    groups = [group for group in project.settings_groups if group[0] == file]
    if groups and "default" in uses and _cache_backends(project, file) is None:
        yield Spot(None, f"CACHES is not set, so the default cache is Django's LocMemCache in each process, and "
                         f"{_first(uses['default'])} needs one every process sees")


def _first(places: list[str]) -> str:
    return places[0] + (f" (and {len(places) - 1} more)" if len(places) > 1 else "")


RULES = (
    Rule(id="local-disk-write", factor=Factor.PROCESSES,
         why="A file written to the local disk is on one machine only: the next request lands on another process, "
             "and a restart or deploy starts from an empty disk.",
         fix="Keep what must last in a backing service (the database, object storage through django-storages); "
             "use tempfile for scratch files that live within one request or job.",
         sources=code_files, check=disk_writes),
    Rule(id="local-file-storage", factor=Factor.PROCESSES,
         why="Uploads stored on the local disk exist on the one machine that took them: other processes answer "
             "404 for them and the next deploy loses them.",
         fix="STORAGES = {\"default\": {\"BACKEND\": \"storages.backends.s3.S3Storage\"}, ...} (django-storages), "
             "its bucket read from the environment.",
         sources=settings_files, check=file_storage),
    Rule(id="local-sessions", factor=Factor.PROCESSES,
         why="Sessions kept in one process's memory or on its disk are unknown to every other process: users are "
             "logged out when a request lands elsewhere or the process restarts.",
         fix="SESSION_ENGINE = \"django.contrib.sessions.backends.db\" (or cache on a shared Redis), or "
             "signed_cookies.",
         sources=settings_files, check=local_sessions),
    Rule(id="local-cache", factor=Factor.PROCESSES,
         why="A counter, lock, throttle or invalidation on a per-process cache (LocMemCache, FileBasedCache) only "
             "holds in the process that made it: limits multiply by the process count, deletes leave other "
             "processes stale.",
         fix="CACHES = {\"default\": env.cache(\"CACHE_URL\")} on a shared Redis or Memcached; keep LocMemCache "
             "only for read-through caches that a miss simply refills.",
         sources=settings_files, check=local_caches),
)
