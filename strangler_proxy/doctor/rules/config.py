"""III. Config: settings that live in the code instead of the environment, and variables nobody documents."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from strangler_proxy.doctor.findings import Factor, Spot
from strangler_proxy.doctor.project import Project
from strangler_proxy.doctor.rule import Rule, code_files, env_example, settings_files
from strangler_proxy.doctor.sources import EnvExample, PythonFile
from strangler_proxy.doctor.syntax import dict_items, dotted, env_reads, module_assignments, string, strings

_SECRET_WORDS = {"KEY", "KEYS", "SECRET", "SECRETS", "PASSWORD", "PASSWD", "PWD", "TOKEN", "TOKENS", "CREDENTIALS"}
_IMPORT_PATH = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*\.[A-Za-z_]\w*$")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", ".localhost", "testserver"}
# Set by the operating system or by the entry points themselves, not by whoever deploys.
_NOT_CONFIG = {"DJANGO_SETTINGS_MODULE", "PATH", "HOME", "USER", "PWD", "SHELL", "TERM", "LANG", "TMPDIR", "TEMP",
               "TMP"}


def is_secret_name(name: str) -> bool:
    """SECRET_KEY, API_KEY, EMAIL_HOST_PASSWORD, SLACK_TOKEN; not CSRF_COOKIE_NAME or PASSWORD_HASHERS."""
    words = name.upper().split("_")
    return words[-1] in _SECRET_WORDS or name.upper() == "SECRET_KEY_FALLBACKS"


def _literal_text(node: ast.AST) -> bool:
    """A non-empty string literal that is not an import path (djoser's "token": "app.serializers.Token"),
    or a list/tuple holding one."""
    if isinstance(node, ast.List | ast.Tuple):
        return any(_literal_text(item) for item in node.elts)
    text = string(node)
    return (bool(text) and not _IMPORT_PATH.match(text or "")) or isinstance(node, ast.JoinedStr)


def _secret_default(value: ast.expr) -> bool:
    return any(read.default is not None and _literal_text(read.default) for read in env_reads(value))


def hard_coded_secrets(file: PythonFile, project: Project) -> Iterator[Spot]:
    for name, value, statement in module_assignments(file.tree):
        if is_secret_name(name) and _literal_text(value):
            yield Spot(statement.lineno, f"{name} is a string literal in the settings")
        elif is_secret_name(name) and _secret_default(value):
            yield Spot(statement.lineno, f"{name} falls back to a string literal when its variable is unset")
        if name == "DATABASES":
            continue  # its PASSWORD is reported with the database's other literals (database-in-code)
        for node in ast.walk(value):
            for key, item in dict_items(node):
                if is_secret_name(key) and _literal_text(item):
                    yield Spot(item.lineno, f"{name}[...][{key!r}] is a string literal in the settings")


def debug_literal(file: PythonFile, project: Project) -> Iterator[Spot]:
    for name, value, statement in module_assignments(file.tree):
        if name == "DEBUG" and isinstance(value, ast.Constant) and value.value is True:
            yield Spot(statement.lineno, "DEBUG = True in the settings")


def hard_coded_hosts(file: PythonFile, project: Project) -> Iterator[Spot]:
    values = [(value, statement.lineno) for name, value, statement in module_assignments(file.tree)
              if name == "ALLOWED_HOSTS"]
    values += [(argument, node.lineno) for node in ast.walk(file.tree)
               if isinstance(node, ast.Call) and dotted(node.func) in {"ALLOWED_HOSTS.append", "ALLOWED_HOSTS.extend",
                                                                       "ALLOWED_HOSTS.insert"}
               for argument in node.args]
    for value, line in values:
        names = {id(read.name_node) for read in env_reads(value)}
        hosts = [host.strip() for constant, text in strings(value) if id(constant) not in names
                 for host in text.split(",") if host.strip()]
        remote = [host for host in hosts if host not in LOCAL_HOSTS]
        if remote:
            yield Spot(line, f"ALLOWED_HOSTS names {', '.join(remote)} in the code")


def _first_undocumented(project: Project) -> dict[str, list[Spot]]:
    """Per file, the first read of each variable .env.example does not list (a variable once, where first read)."""
    spots: dict[str, list[Spot]] = {}
    reads: dict[str, list[tuple[str, int]]] = {}
    for file in project.files:
        for read in env_reads(file.tree):
            if read.name not in project.env_example.names and read.name not in _NOT_CONFIG:
                reads.setdefault(read.name, []).append((file.rel, read.line))
    for name, places in reads.items():
        rel, line = min(places)
        also = f" (read in {len(places)} places)" if len(places) > 1 else ""
        spots.setdefault(rel, []).append(Spot(line, f"{name} is read here and {project.env_example.rel} does not "
                                                    f"list it{also}"))
    return spots


def undocumented_variables(file: PythonFile, project: Project) -> Iterator[Spot]:
    if project.env_example.exists:
        yield from project.index(_first_undocumented).get(file.rel, [])


def variables_read(project: Project) -> list[str]:
    return sorted({read.name for file in project.files for read in env_reads(file.tree)} - _NOT_CONFIG)


def missing_env_example(example: EnvExample, project: Project) -> Iterator[Spot]:
    if example.exists:
        return
    names = variables_read(project)
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    read = f"the code reads {len(names)} variables ({shown}) and" if names else "the code reads no variables and"
    yield Spot(None, f"no .env.example: {read} no file lists them")


RULES = (
    Rule(id="secret-in-settings", factor=Factor.CONFIG,
         why="A secret in the code is in every clone, backup and log of the repository, is the same in every "
             "deploy, and cannot be rotated without a release.",
         fix="Read it from the environment with no default (SECRET_KEY = env_str(\"SECRET_KEY\")), so a deploy "
             "without it stops at start-up; list it in .env.example with a local-only value.",
         sources=settings_files, check=hard_coded_secrets),
    Rule(id="debug-literal", factor=Factor.CONFIG,
         why="DEBUG = True in the code runs every deploy with debug pages that show settings and source to "
             "anyone who triggers an error.",
         fix="DEBUG = env_bool(\"DEBUG\", False): off unless a developer's environment turns it on.",
         sources=settings_files, check=debug_literal),
    Rule(id="allowed-hosts-literal", factor=Factor.CONFIG,
         why="The host names a deploy answers to differ between staging, production and a review app; in the code "
             "they force a code change per deploy (or a wildcard that disables the Host header check).",
         fix="ALLOWED_HOSTS = env_list(\"ALLOWED_HOSTS\", [\"localhost\", \"127.0.0.1\"]): only local names as "
             "the default, the deploy's own names from the environment.",
         sources=settings_files, check=hard_coded_hosts),
    Rule(id="env-undocumented", factor=Factor.CONFIG,
         why="A variable the code reads but .env.example does not list is found by the next person only when a "
             "deploy fails or behaves differently.",
         fix="Add it to .env.example with a comment saying what it means and a safe local value (commented out "
             "when it is optional).",
         sources=code_files, check=undocumented_variables),
    Rule(id="env-example-missing", factor=Factor.CONFIG,
         why="Without a file listing every variable, setting up a new deploy or a laptop means reading the code "
             "for os.environ.",
         fix="Add .env.example at the project root: every variable the code reads, a comment on each and a safe "
             "local value; secrets as obvious placeholders.",
         sources=env_example, check=missing_env_example),
)
