"""IV. Backing services: databases, caches and brokers named in the code instead of attached by configuration."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from strangler_proxy.doctor.findings import Factor, Spot
from strangler_proxy.doctor.project import Project
from strangler_proxy.doctor.rule import Rule, settings_files
from strangler_proxy.doctor.sources import PythonFile
from strangler_proxy.doctor.syntax import dict_items, env_reads, item, module_assignments, string, strings

_SERVICE_SCHEMES = {"redis", "rediss", "amqp", "amqps", "postgres", "postgresql", "pgsql", "mysql", "mysql2",
                    "mongodb", "mongodb+srv", "memcache", "memcached", "pymemcache", "elasticsearch", "sqs", "smtp",
                    "smtps", "kafka", "nats", "ldap", "ldaps", "oracle", "mssql"}
_DATABASE_KEYS = ("HOST", "NAME", "USER", "PASSWORD")
# Cache backends whose LOCATION is a server (host:port), not a name or a folder.
_SERVER_CACHES = re.compile(r"redis|memcache", re.IGNORECASE)
_HOST_PORT = re.compile(r"^[\w.-]+:\d+$")


def database_literals(file: PythonFile, project: Project) -> Iterator[Spot]:
    for name, value, _statement in module_assignments(file.tree):
        if name != "DATABASES":
            continue
        for alias, entry in dict_items(value):
            items = dict(dict_items(entry))
            engine = string(items.get("ENGINE"))
            if engine is None or "sqlite" in engine:
                continue  # a file database is named by its path; an engine read from elsewhere is not known here
            literal = [key for key in _DATABASE_KEYS if string(items.get(key))]
            if literal:
                yield Spot(entry.lineno, f"DATABASES[{alias!r}] ({engine.rsplit('.', 1)[-1]}) gives its "
                                         f"{', '.join(literal)} in the code")


def _defaults(value: ast.AST) -> set[int]:
    """Constants that are an environment read's name or default: the variable wins, so they are not hard-coded."""
    ignored: set[int] = set()
    for read in env_reads(value):
        ignored.add(id(read.name_node))
        if read.default is not None:
            ignored.update(id(node) for node in ast.walk(read.default))
    for node in ast.walk(value):
        if isinstance(node, ast.Call):
            ignored.update(id(inner) for item in node.keywords if item.arg == "default"
                           for inner in ast.walk(item.value))
    return ignored


def _service_url(text: str) -> str | None:
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return parts.scheme if parts.scheme in _SERVICE_SCHEMES and (parts.netloc or parts.path) else None


def _cache_servers(value: ast.expr) -> Iterator[tuple[str, int]]:
    for alias, entry in dict_items(value):
        backend, location = string(item(entry, "BACKEND")) or "", item(entry, "LOCATION")
        if location is not None and _SERVER_CACHES.search(backend):
            for constant, text in strings(location):
                if _HOST_PORT.match(text):
                    yield f"CACHES[{alias!r}] LOCATION {text}", constant.lineno


def service_literals(file: PythonFile, project: Project) -> Iterator[Spot]:
    for name, value, statement in module_assignments(file.tree):
        ignored = _defaults(value)
        for constant, text in strings(value):
            scheme = _service_url(text)
            if scheme and id(constant) not in ignored:
                yield Spot(constant.lineno, f"{name} holds a literal {scheme}:// URL")
        if name == "CACHES":
            for what, line in _cache_servers(value):
                yield Spot(line, f"{what} is a literal server address")
        if name.endswith("_HOST") and string(value):
            yield Spot(statement.lineno, f"{name} is a literal host name")


RULES = (
    Rule(id="database-in-code", factor=Factor.BACKING_SERVICES,
         why="A database named in the code is the same in every deploy: staging writes to what the code names, "
             "and moving to a managed database or a replica takes a code change.",
         fix="DATABASES = {\"default\": env.db(\"DATABASE_URL\")} (django-environ or dj-database-url): one URL "
             "per deploy, with the host, name, user and password in it.",
         sources=settings_files, check=database_literals),
    Rule(id="service-url-in-code", factor=Factor.BACKING_SERVICES,
         why="A broker, cache or mail server named in the code cannot be swapped for another (a managed Redis, "
             "a second region) by changing configuration, and local and production share one address.",
         fix="Read the URL from the environment (CELERY_BROKER_URL = env_url(\"CELERY_BROKER_URL\")) and list it "
             "in .env.example with a local value.",
         sources=settings_files, check=service_literals),
)
