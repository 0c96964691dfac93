"""Throwaway databases for real processes (which cannot use pytest-django's test database)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg


@contextmanager
def throwaway_database_url(tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the kind DATABASE_URL names (PostgreSQL in CI), dropped afterwards."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return
    name = f"kit_{uuid.uuid4().hex[:12]}"
    admin = urlunsplit(urlsplit(base)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(base)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
