"""Configuration read from the environment, and only from there.

Every reader names the variable it failed on and points at `.env.example`, so a misconfigured process
stops at start-up with a message a person can act on. Parsing of URLs (database, cache) is delegated to
django-environ; what this module adds is strictness: a bad boolean or a URL without a scheme is an error,
not a silent default.

    ConfigError            a variable is missing or malformed (an ImproperlyConfigured)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

_MISSING: Any = object()
ENVIRONMENTS = ("development", "production")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_HINT = "see .env.example for what it means and a safe local value"


class ConfigError(ImproperlyConfigured):
    """A required environment variable is missing or its value cannot be parsed."""


def _raw(name: str, default: Any) -> Any:
    value = os.environ.get(name)
    if value is None:
        if default is _MISSING:
            raise ConfigError(f"{name} is not set; {_HINT}.")
        return default
    return value


def _bad(name: str, value: str, expected: str) -> ConfigError:
    return ConfigError(f"{name}={value!r} is not {expected}; {_HINT}.")


def env_str(name: str, default: Any = _MISSING) -> str:
    """A string; with no default the variable is required."""
    return _raw(name, default)


def env_bool(name: str, default: Any = _MISSING) -> bool:
    """A strict boolean: true/false, yes/no, on/off, 1/0. Anything else is an error."""
    value = _raw(name, default)
    if isinstance(value, bool):
        return value
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _bad(name, value, "a boolean (true/false)")


def env_int(name: str, default: Any = _MISSING, *, minimum: int | None = None) -> int:
    """An integer, optionally bounded below."""
    value = _raw(name, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _bad(name, str(value), "an integer") from None
    if minimum is not None and number < minimum:
        raise _bad(name, str(value), f"an integer >= {minimum}")
    return number


def env_float(name: str, default: Any = _MISSING, *, minimum: float = 0.0) -> float:
    """A float, bounded below (0 unless told otherwise)."""
    value = _raw(name, default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _bad(name, str(value), "a number") from None
    if number < minimum:
        raise _bad(name, str(value), f"a number >= {minimum}")
    return number


def env_list(name: str, default: Any = _MISSING) -> list[str]:
    """A comma-separated list; blanks are dropped."""
    value = _raw(name, default)
    if isinstance(value, list):
        return value
    return [item.strip() for item in value.split(",") if item.strip()]


def env_environment(name: str = "ENVIRONMENT") -> str:
    """development or production; production when unset, so a forgotten variable errs on the safe side."""
    value = _raw(name, "production")
    if value not in ENVIRONMENTS:
        raise _bad(name, value, f"one of {', '.join(ENVIRONMENTS)}")
    return value


def env_url(name: str, default: Any = _MISSING, *, schemes: tuple[str, ...] = ()) -> str:
    """A URL with a scheme (one of `schemes` when given) and, unless it is a file URL, a host."""
    value = _raw(name, default)
    parts = urlsplit(value)
    wanted = f"a URL with scheme {'/'.join(schemes)}" if schemes else "a URL"
    if not parts.scheme or (schemes and parts.scheme not in schemes):
        raise _bad(name, value, wanted)
    if not parts.netloc and parts.scheme not in {"sqlite", "file"}:
        raise _bad(name, value, f"{wanted} with a host")
    return value


def env_database(name: str = "DATABASE_URL", default: Any = _MISSING) -> dict[str, Any]:
    """A Django DATABASES entry parsed from a database URL (postgres://, sqlite:///...)."""
    url = env_url(name, default, schemes=("postgres", "postgresql", "pgsql", "sqlite"))
    return database_config(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0))


def database_config(url: str, *, conn_max_age: int = 60) -> dict[str, Any]:
    """The DATABASES entry for a URL already in hand (env_database reads and checks it from a variable)."""
    config = environ.Env.db_url_config(url)
    config.setdefault("CONN_MAX_AGE", conn_max_age)
    config["CONN_HEALTH_CHECKS"] = True
    if config["ENGINE"].endswith("sqlite3"):
        _ensure_parent_dir(config["NAME"])
        # SQLite serialises writers; a busy timeout turns a lock into a short wait, not an error.
        config.setdefault("OPTIONS", {}).setdefault("timeout", 20)
    return config


def _ensure_parent_dir(path: str) -> None:
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def read_dot_env(path: str | os.PathLike[str] = ".env") -> None:
    """Load `.env` into the environment when READ_DOT_ENV is true; real variables always win."""
    if env_bool("READ_DOT_ENV", False) and Path(path).exists():
        environ.Env.read_env(str(path), overwrite=False)
