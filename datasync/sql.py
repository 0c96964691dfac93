"""The SQL the mechanism speaks to each side: PostgreSQL or SQLite, behind one small interface.

    Database                 a connection to one side's database, with transactions
    ├── PostgresDatabase     triggers in PL/pgSQL, rows as JSON (json_agg, jsonb_populate_recordset),
    │                        row hashes by hashtextextended, summed as numeric
    └── SqliteDatabase       triggers per operation, json_object / json_each, row hashes by a
                             registered function (SQLite has no md5)

Rows travel between sides as one JSON document per batch, built and taken apart in SQL, so no row is
ever a Python object: that is what keeps a copy fast and its memory flat. Both sides must be the same
kind of database (their text forms of a row are compared).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import environ
import psycopg

from datasync.spec import Module, Side, SpecError

NULL_TEXT = "\\N"  # a NULL in a row's text form, unlike any empty string
BUCKETS = 64  # a reconciliation's first cut: every row in one of these by its key's hash


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class DatabaseError(Exception):
    """A side's database refused or failed; the message says which side and why. `row_refused`: the
    database refused the data itself (a constraint, a value out of range), so trying again cannot help;
    otherwise the failure may pass (a lost connection, a lock timeout)."""

    def __init__(self, message: str, *, row_refused: bool = False) -> None:
        super().__init__(message)
        self.row_refused = row_refused


class Database:
    """One side's database. Subclasses hold the dialect; callers use only these methods."""

    kind = ""

    def __init__(self, side: Side) -> None:
        self.side = side

    # ------------------------------------------------------------ plumbing
    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...]:
        found = self.rows(sql, params)
        return found[0] if found else ()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.rows(sql, params)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        raise NotImplementedError
        yield

    def close(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------ the mechanism's tables and triggers
    def install_tables(self) -> None:
        raise NotImplementedError

    def has_tables(self) -> bool:
        raise NotImplementedError

    def install_capture(self, module: Module) -> None:
        raise NotImplementedError

    def drop_capture(self, module: Module) -> None:
        raise NotImplementedError

    def has_capture(self, module: Module) -> bool:
        raise NotImplementedError

    def mark_applying(self) -> None:
        """Inside a transaction: this transaction's writes are the sync's, not the application's."""
        raise NotImplementedError

    def unmark_applying(self) -> None:
        raise NotImplementedError

    def applied(self) -> None:
        """After a committed transaction that wrote synced rows here: the side's own follow-up, if any."""
        if self.side.after_apply is not None:
            self.side.after_apply()

    # ------------------------------------------------------------ rows as JSON
    def read_batch(self, module: Module, *, after: str | None, limit: int) -> tuple[str, int, str | None]:
        """Up to `limit` rows with keys above `after`, in key order: (JSON array, count, last key)."""
        raise NotImplementedError

    def read_keys(self, module: Module, keys: Sequence[str]) -> str:
        """The rows with these keys, as a JSON array (missing keys are simply absent)."""
        raise NotImplementedError

    def upsert(self, module: Module, rows_json: str) -> None:
        raise NotImplementedError

    def delete_keys(self, module: Module, keys: Sequence[str]) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------ checksums
    def row_hash(self, module: Module) -> str:
        raise NotImplementedError

    def key_text(self, module: Module) -> str:
        return f"CAST({quote(module.key)} AS TEXT)"

    def key_bucket(self, module: Module) -> str:
        """SQL for a row's bucket, 0 to BUCKETS - 1, from its key alone: the same row is in the same bucket on
        either side, and the rows of any key range spread evenly over the buckets."""
        raise NotImplementedError

    def where(self, module: Module, low: str | None, high: str | None, *, closed: bool = False,
              bucket: int | None = None) -> tuple[str, list[Any]]:
        """WHERE for the key range (see `_range`), within one bucket when `bucket` is given."""
        where, params = _range(module, low, high, closed=closed)
        if bucket is None:
            return where, params
        return f"{where}{' AND' if where else ' WHERE'} {self.key_bucket(module)} = %s", [*params, bucket]

    def checksum(self, module: Module, low: str | None, high: str | None, *, closed: bool = False,
                 bucket: int | None = None) -> tuple[int, str]:
        """(rows, sum of row hashes) of the key range [low, high) ((low, high] when `closed`); None: unbounded."""
        where, params = self.where(module, low, high, closed=closed, bucket=bucket)
        count, total = self.one(f"SELECT count(*), CAST(coalesce(sum({self.row_hash(module)}), 0) AS TEXT) "
                                f"FROM {quote(self.table(module))}{where}", params)
        return int(count), str(total)

    def bucket_checksums(self, module: Module) -> list[tuple[int, str]]:
        """(rows, sum of row hashes) of each bucket of the whole table, in one pass."""
        found = {int(bucket): (int(count), str(total)) for bucket, count, total in self.rows(
            f"SELECT {self.key_bucket(module)}, count(*), CAST(sum({self.row_hash(module)}) AS TEXT) "
            f"FROM {quote(self.table(module))} GROUP BY 1")}
        return [found.get(bucket, (0, "0")) for bucket in range(BUCKETS)]

    def range_checksums(self, module: Module, low: str | None, high: str | None,
                        cuts: Sequence[str], *, bucket: int | None = None) -> list[tuple[int, str]]:
        """(rows, sum of row hashes) of each part of [low, high) cut at `cuts` (ascending)."""
        edges: list[str | None] = [low, *cuts, high]
        return [self.checksum(module, start, end, bucket=bucket) for start, end in itertools.pairwise(edges)]

    def range_hashes(self, module: Module, low: str | None, high: str | None, *,
                     closed: bool = False, bucket: int | None = None) -> dict[str, str]:
        where, params = self.where(module, low, high, closed=closed, bucket=bucket)
        found = self.rows(f"SELECT {self.key_text(module)}, CAST({self.row_hash(module)} AS TEXT) "
                          f"FROM {quote(self.table(module))}{where}", params)
        return {str(key): str(digest) for key, digest in found}

    def key_hashes(self, module: Module, keys: Sequence[str]) -> dict[str, str]:
        """The row hash of each of these keys that exists here."""
        found = self.rows(f"SELECT {self.key_text(module)}, CAST({self.row_hash(module)} AS TEXT) "
                          f"FROM {quote(self.table(module))} WHERE {self.key_text(module)} IN "
                          f"(SELECT value FROM {json_texts(self)})", [json.dumps(list(keys))])
        return {str(key): str(digest) for key, digest in found}

    def boundaries(self, module: Module, low: str | None, high: str | None, *, every: int,
                   rows: int | None = None, bucket: int | None = None) -> list[str]:
        """Every `every`-th key of the range (of `rows` rows, when known; within `bucket`, when given), in
        order: where to cut it into parts of that size."""
        where, params = self.where(module, low, high, bucket=bucket)
        key = quote(module.key)
        found = self.rows(f"SELECT k FROM (SELECT {self.key_text(module)} AS k, row_number() OVER (ORDER BY {key}) AS n "
                          f"FROM {quote(self.table(module))}{where}) s WHERE n %% {int(every)} = 0 ORDER BY n", params)
        return [str(key) for (key,) in found]

    def count(self, module: Module) -> int:
        return int(self.one(f"SELECT count(*) FROM {quote(self.table(module))}")[0])

    def table(self, module: Module) -> str:
        return module.side(self.side.name).table


def _range(module: Module, low: str | None, high: str | None, *,
           closed: bool = False) -> tuple[str, list[str]]:
    """WHERE for [low, high), or (low, high] when `closed` (a backfill batch: after its cursor, up to its last)."""
    conditions, params = [], []
    if low is not None:
        conditions.append(f"{quote(module.key)} {'>' if closed else '>='} %s")
        params.append(low)
    if high is not None:
        conditions.append(f"{quote(module.key)} {'<=' if closed else '<'} %s")
        params.append(high)
    return (" WHERE " + " AND ".join(conditions) if conditions else ""), params


def _assignments(module: Module, side: Side, excluded: str) -> str:
    columns = [f"{quote(c)} = {excluded}.{quote(c)}" for c in module.columns if c != module.key]
    columns += [f"{quote(name)} = {sql}" for name, sql in side.on_update.items()]
    return ", ".join(columns)


def connect(side: Side, environ: Mapping[str, str] | None = None) -> Database:
    """The database of `side`, from the variable its Side names (in `environ`, else the process's)."""
    url = side.database_url(environ)
    scheme = urlsplit(url).scheme
    if scheme in ("postgres", "postgresql", "pgsql"):
        return PostgresDatabase(side, url)
    if scheme == "sqlite":
        return SqliteDatabase(side, url)
    raise SpecError(f"{side.database_env}: {scheme!r} databases are not supported (postgres:// or sqlite:///).")


# ---------------------------------------------------------------- PostgreSQL
_PG_TABLES = """
CREATE TABLE IF NOT EXISTS datasync_outbox (
    id bigserial PRIMARY KEY,
    event_id text NOT NULL UNIQUE,
    module text NOT NULL,
    aggregate_id text NOT NULL,
    payload jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX IF NOT EXISTS datasync_outbox_waiting ON datasync_outbox (module, id) WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS datasync_outbox_created ON datasync_outbox (created_at);
CREATE TABLE IF NOT EXISTS datasync_applied (
    event_id text PRIMARY KEY,
    module text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS datasync_applied_at ON datasync_applied (applied_at);
CREATE TABLE IF NOT EXISTS datasync_version (
    module text NOT NULL, origin text NOT NULL, aggregate_id text NOT NULL, version bigint NOT NULL,
    PRIMARY KEY (module, origin, aggregate_id)
);
CREATE TABLE IF NOT EXISTS datasync_state (
    module text PRIMARY KEY, owner text, phase text NOT NULL, reads text NOT NULL,
    detail text NOT NULL DEFAULT '{}', updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS datasync_backfill (
    module text PRIMARY KEY, source text NOT NULL, last_key text, high_water bigint NOT NULL,
    copied bigint NOT NULL DEFAULT 0, finished boolean NOT NULL DEFAULT false,
    started_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS datasync_parked (
    module text NOT NULL, origin text NOT NULL, aggregate_id text NOT NULL, event_id text NOT NULL,
    error text NOT NULL, parked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (module, aggregate_id)
);
CREATE OR REPLACE FUNCTION datasync_capture() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_module text := TG_ARGV[0];
    v_side text := TG_ARGV[1];
    v_key text := TG_ARGV[2];
    v_guard boolean := TG_ARGV[3]::boolean;
    v_owner text;
    v_row jsonb;
BEGIN
    IF coalesce(current_setting('datasync.applying', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    SELECT owner INTO v_owner FROM datasync_state WHERE module = v_module FOR SHARE;
    IF v_owner IS DISTINCT FROM v_side THEN
        IF v_guard THEN
            RAISE EXCEPTION 'datasync: % is read-only on the % side: module % is owned by %',
                TG_TABLE_NAME, v_side, v_module, coalesce(v_owner, 'nobody while its writes switch')
                USING ERRCODE = '25006', HINT = 'strangler data status ' || v_module;
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR (to_jsonb(OLD) ->> v_key) IS DISTINCT FROM (to_jsonb(NEW) ->> v_key)) THEN
        INSERT INTO datasync_outbox (event_id, module, aggregate_id, payload)
        VALUES (gen_random_uuid()::text, v_module, to_jsonb(OLD) ->> v_key, NULL);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        v_row := to_jsonb(NEW);
        INSERT INTO datasync_outbox (event_id, module, aggregate_id, payload)
        VALUES (gen_random_uuid()::text, v_module, v_row ->> v_key, v_row);
    END IF;
    RETURN NULL;
END $$;
"""


# A TRUNCATE fires no row trigger: it would empty one side with no event to tell the other. Refused while
# the module syncs (the sync's own work, marked as applying, may).
_PG_REFUSE_TRUNCATE = """
CREATE OR REPLACE FUNCTION datasync_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('datasync.applying', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'datasync: TRUNCATE of % is refused while module % syncs (no row event would reach the '
        'other side); DELETE the rows instead', TG_TABLE_NAME, TG_ARGV[0]
        USING ERRCODE = '25006', HINT = 'strangler data status ' || TG_ARGV[0];
END $$;
"""


class PostgresDatabase(Database):
    kind = "postgresql"

    def __init__(self, side: Side, url: str) -> None:
        super().__init__(side)
        try:
            self.connection = psycopg.connect(url, autocommit=True)
        except psycopg.Error as error:
            raise DatabaseError(f"{side.database_env} ({side.name}): {error}") from None
        self.connection.execute("SET TIME ZONE 'UTC'")
        self._key_types: dict[str, str] = {}

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            # Without parameters psycopg leaves %% alone: the one way of writing a literal % is taken here.
            cursor = self.connection.execute(sql, params) if params else self.connection.execute(sql.replace("%%", "%"))
        except psycopg.Error as error:
            raise DatabaseError(f"{self.side.name}: {error}",
                                row_refused=isinstance(error, (psycopg.IntegrityError, psycopg.DataError))) from error
        return cursor.fetchall() if cursor.description else []

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.connection.transaction():
            yield

    def close(self) -> None:
        self.connection.close()

    def install_tables(self) -> None:
        with self.transaction():
            # One installer at a time: CREATE ... IF NOT EXISTS races with itself.
            self.execute("SELECT pg_advisory_xact_lock(hashtext('datasync_install'))")
            self.execute(_PG_TABLES)

    def has_tables(self) -> bool:
        return self.one("SELECT to_regclass('datasync_state') IS NOT NULL")[0] is True

    def _trigger(self, module: Module) -> str:
        return quote(f"datasync_{module.name}")

    def _truncate_trigger(self, module: Module) -> str:
        return quote(f"datasync_{module.name}_truncate")

    def install_capture(self, module: Module) -> None:
        side = module.side(self.side.name)
        table, trigger = quote(side.table), self._trigger(module)
        with self.transaction():
            self.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
            self.execute(f"CREATE TRIGGER {trigger} AFTER INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW "
                         f"EXECUTE FUNCTION datasync_capture(%s, %s, %s, %s)".replace("%s", "'{}'").format(
                             *(value.replace("'", "''") for value in
                               (module.name, side.name, module.key, "true" if side.guard else "false"))))
            self.execute(_PG_REFUSE_TRUNCATE)
            self.execute(f"DROP TRIGGER IF EXISTS {self._truncate_trigger(module)} ON {table}")
            name = module.name.replace("'", "''")
            self.execute(f"CREATE TRIGGER {self._truncate_trigger(module)} BEFORE TRUNCATE ON {table} FOR EACH "
                         f"STATEMENT EXECUTE FUNCTION datasync_refuse_truncate('{name}')")

    def drop_capture(self, module: Module) -> None:
        for trigger in (self._trigger(module), self._truncate_trigger(module)):
            self.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {quote(self.table(module))}")

    def has_capture(self, module: Module) -> bool:
        found = self.one("SELECT count(*) FROM pg_trigger WHERE tgname = %s AND tgrelid = to_regclass(%s)",
                         [f"datasync_{module.name}", quote(self.table(module))])
        return bool(found and found[0])

    def mark_applying(self) -> None:
        self.execute("SELECT set_config('datasync.applying', 'on', true)")

    def unmark_applying(self) -> None:
        self.execute("SELECT set_config('datasync.applying', 'off', true)")

    def _columns(self, module: Module) -> str:
        return ", ".join(quote(column) for column in module.columns)

    def read_batch(self, module: Module, *, after: str | None, limit: int) -> tuple[str, int, str | None]:
        key = quote(module.key)
        where, params = (f" WHERE {key} > %s", [after]) if after is not None else ("", [])
        rows, count, last = self.one(
            f"SELECT coalesce(json_agg(s ORDER BY s.{key}), '[]')::text, count(*), "
            f"(array_agg(s.{key}::text ORDER BY s.{key} DESC))[1] FROM (SELECT {self._columns(module)} "
            f"FROM {quote(self.table(module))}{where} ORDER BY {key} LIMIT %s) s", [*params, limit])
        return rows, int(count), last

    def key_type(self, module: Module) -> str:
        table = self.table(module)
        if table not in self._key_types:
            found = self.one("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                             "WHERE attrelid = to_regclass(%s) AND attname = %s", [quote(table), module.key])
            if not found:
                raise DatabaseError(f"{self.side.name}: table {table} has no column {module.key!r}.")
            self._key_types[table] = str(found[0])
        return self._key_types[table]

    def read_keys(self, module: Module, keys: Sequence[str]) -> str:
        key = quote(module.key)
        return str(self.one(f"SELECT coalesce(json_agg(s ORDER BY s.{key}), '[]')::text FROM (SELECT "
                            f"{self._columns(module)} FROM {quote(self.table(module))} "
                            f"WHERE {key} = ANY(%s::{self.key_type(module)}[])) s", [list(keys)])[0])

    def upsert(self, module: Module, rows_json: str) -> None:
        side = module.side(self.side.name)
        table, columns = quote(side.table), self._columns(module)
        insert_columns = columns + "".join(f", {quote(name)}" for name in side.on_insert)
        values = columns + "".join(f", {sql}" for sql in side.on_insert.values())
        self.execute(f"INSERT INTO {table} ({insert_columns}) SELECT {values} "
                     f"FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb) "
                     f"ON CONFLICT ({quote(module.key)}) DO UPDATE SET {_assignments(module, side, 'EXCLUDED')}",
                     [rows_json])

    def delete_keys(self, module: Module, keys: Sequence[str]) -> None:
        self.execute(f"DELETE FROM {quote(self.table(module))} WHERE {quote(module.key)} = "
                     f"ANY(%s::{self.key_type(module)}[])", [list(keys)])

    def row_hash(self, module: Module) -> str:
        # PostgreSQL's own 64-bit text hash (the one its hash partitioning uses): about three times cheaper
        # than md5 turned into a number, which decides how close to a COUNT(*) a reconciliation comes.
        text = ", ".join(f"coalesce({quote(column)}::text, '{NULL_TEXT}')" for column in module.columns)
        return f"hashtextextended(concat_ws('|', {text}), 0)"

    def key_bucket(self, module: Module) -> str:
        # Seed 7, not the row hash's 0, so a row's bucket says nothing of its hash.
        return f"(hashtextextended({quote(module.key)}::text, 7) & {BUCKETS - 1})"

    def bucket_checksums(self, module: Module) -> list[tuple[int, str]]:
        # The planner cannot know the bucket expression has 64 values; guessing one group per row, it would
        # sort the whole table to disk to group it. A hash aggregate in each parallel worker is what 64
        # groups need: the pass then costs what a plain sum of the row hashes costs. JIT compiling the
        # hash expressions in every worker cost more than it saved (about 10% at a million rows).
        with self.transaction():
            for setting in ("enable_sort = off", "parallel_setup_cost = 0", "parallel_tuple_cost = 0", "jit = off"):
                self.execute(f"SET LOCAL {setting}")
            return super().bucket_checksums(module)

    def boundaries(self, module: Module, low: str | None, high: str | None, *, every: int,
                   rows: int | None = None, bucket: int | None = None) -> list[str]:
        # The whole table: the planner's histogram of the key (from ANALYZE) already cuts it into parts of
        # about equal row counts, for free, and a bucket's rows spread over the key like the table's (their
        # bucket is a hash of the key): every bound cuts a bucket. Statistics from a table of another size
        # cut it badly (most rows in one part): then, as without statistics, the exact window query does it.
        if low is None and high is None:
            bounds, estimated = self._histogram(module)
            rows = self.count(module) if rows is None and bucket is None else rows
            if bucket is not None and len(bounds) > 2:
                return bounds[1:-1]
            if len(bounds) > 2 and rows and abs(estimated - rows) <= 0.2 * rows:
                step = max(1, round(len(bounds) * every / rows))
                return bounds[1:-1][::step]
        return super().boundaries(module, low, high, every=every, bucket=bucket)

    def _histogram(self, module: Module) -> tuple[list[str], float]:
        """The planner's histogram bounds of the key and its estimate of the table's rows."""
        found = self.rows("SELECT s.histogram_bounds::text::text[], c.reltuples FROM pg_stats s "
                          "JOIN pg_class c ON c.oid = to_regclass(%s) WHERE s.schemaname = current_schema() "
                          "AND s.tablename = %s AND s.attname = %s",
                          [quote(self.table(module)), self.table(module), module.key])
        if not found:
            return [], 0.0
        return [str(bound) for bound in found[0][0] or []], float(found[0][1])

    def range_checksums(self, module: Module, low: str | None, high: str | None,
                        cuts: Sequence[str], *, bucket: int | None = None) -> list[tuple[int, str]]:
        # One pass: width_bucket puts each row in its part (0 below the first cut, i from the i-th cut on).
        where, params = self.where(module, low, high, bucket=bucket)
        found = {int(part): (int(count), str(total)) for part, count, total in self.rows(
            f"SELECT width_bucket({quote(module.key)}, %s::{self.key_type(module)}[]), count(*), "
            f"CAST(sum({self.row_hash(module)}) AS TEXT) FROM {quote(self.table(module))}{where} GROUP BY 1",
            [list(cuts), *params])}
        return [found.get(part, (0, "0")) for part in range(len(cuts) + 1)]

    def key_text(self, module: Module) -> str:
        return f"{quote(module.key)}::text"


# ---------------------------------------------------------------- SQLite
_SQLITE_TABLES = """
CREATE TABLE IF NOT EXISTS datasync_outbox (
    id integer PRIMARY KEY AUTOINCREMENT,
    event_id text NOT NULL UNIQUE,
    module text NOT NULL,
    aggregate_id text NOT NULL,
    payload text,
    created_at text NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    published_at text
);
CREATE INDEX IF NOT EXISTS datasync_outbox_waiting ON datasync_outbox (module, id) WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS datasync_outbox_created ON datasync_outbox (created_at);
CREATE TABLE IF NOT EXISTS datasync_applied (
    event_id text PRIMARY KEY, module text NOT NULL,
    applied_at text NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE INDEX IF NOT EXISTS datasync_applied_at ON datasync_applied (applied_at);
CREATE TABLE IF NOT EXISTS datasync_version (
    module text NOT NULL, origin text NOT NULL, aggregate_id text NOT NULL, version integer NOT NULL,
    PRIMARY KEY (module, origin, aggregate_id)
);
CREATE TABLE IF NOT EXISTS datasync_state (
    module text PRIMARY KEY, owner text, phase text NOT NULL, reads text NOT NULL,
    detail text NOT NULL DEFAULT '{}', updated_at text NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE TABLE IF NOT EXISTS datasync_backfill (
    module text PRIMARY KEY, source text NOT NULL, last_key text, high_water integer NOT NULL,
    copied integer NOT NULL DEFAULT 0, finished integer NOT NULL DEFAULT 0,
    started_at text NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE TABLE IF NOT EXISTS datasync_applying (flag integer);
CREATE TABLE IF NOT EXISTS datasync_parked (
    module text NOT NULL, origin text NOT NULL, aggregate_id text NOT NULL, event_id text NOT NULL,
    error text NOT NULL, parked_at text NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    PRIMARY KEY (module, aggregate_id)
);
"""


def _sqlite_bucket(key: str) -> int:
    # Other digits of the md5 than the row hash takes, so a bucket says nothing of the rows' hashes in it.
    return int(hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()[-4:], 16) % BUCKETS


def _sqlite_hash(text: str | None) -> int:
    # 40 bits, so that a sum over many rows stays inside SQLite's 64-bit integers.
    return int(hashlib.md5((text or "").encode(), usedforsecurity=False).hexdigest()[:10], 16)


class SqliteDatabase(Database):
    kind = "sqlite"

    def __init__(self, side: Side, url: str) -> None:
        super().__init__(side)
        path = environ.Env.db_url_config(url)["NAME"]  # the same reading of the URL as the side's own settings
        self.connection = sqlite3.connect(path, timeout=30, isolation_level=None,
                                          check_same_thread=False)
        self.connection.create_function("datasync_hash", 1, _sqlite_hash, deterministic=True)
        self.connection.create_function("datasync_bucket", 1, _sqlite_bucket, deterministic=True)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            # One way of writing parameters for both kinds: %s, and %% for a literal %.
            return self.connection.execute(sql.replace("%s", "?").replace("%%", "%"), tuple(params)).fetchall()
        except sqlite3.Error as error:
            raise DatabaseError(f"{self.side.name}: {error}",
                                row_refused=isinstance(error, (sqlite3.IntegrityError, sqlite3.DataError))) from error

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()

    def install_tables(self) -> None:
        self.connection.executescript(_SQLITE_TABLES)

    def has_tables(self) -> bool:
        return bool(self.rows("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'datasync_state'"))

    def _triggers(self, module: Module) -> list[str]:
        return [f"datasync_{module.name}_{operation}" for operation in ("insert", "update", "delete")]

    def install_capture(self, module: Module) -> None:
        side = module.side(self.side.name)
        with self.transaction():
            for trigger in self._triggers(module):
                self.execute(f"DROP TRIGGER IF EXISTS {quote(trigger)}")
            for operation, statements in self._capture(module, side).items():
                self.execute(f"CREATE TRIGGER {quote(f'datasync_{module.name}_{operation}')} "
                             f"AFTER {operation.upper()} ON {quote(side.table)} "
                             f"WHEN NOT EXISTS (SELECT 1 FROM datasync_applying) BEGIN {statements} END")

    def _capture(self, module: Module, side: Side) -> dict[str, str]:
        owner = f"(SELECT owner FROM datasync_state WHERE module = '{module.name}')"
        message = (f"datasync: {side.table} is read-only on the {side.name} side: module {module.name} is owned "
                   f"by another side (strangler data status {module.name})").replace("'", "''")
        guard = f"SELECT RAISE(ABORT, '{message}') WHERE {owner} IS NOT '{side.name}';" if side.guard else ""
        key = quote(module.key)

        def event(row: str, payload: str) -> str:
            return (f"INSERT INTO datasync_outbox (event_id, module, aggregate_id, payload) SELECT "
                    f"lower(hex(randomblob(16))), '{module.name}', CAST({row}.{key} AS TEXT), {payload} "
                    f"WHERE {owner} IS '{side.name}';")

        def document(row: str) -> str:
            return "json_object(" + ", ".join(f"'{c}', {row}.{quote(c)}" for c in module.columns) + ")"

        moved_key = event("OLD", "NULL").replace(";", f" AND OLD.{key} IS NOT NEW.{key};")
        return {"insert": guard + event("NEW", document("NEW")),
                "update": guard + moved_key + event("NEW", document("NEW")),
                "delete": guard + event("OLD", "NULL")}

    def drop_capture(self, module: Module) -> None:
        for trigger in self._triggers(module):
            self.execute(f"DROP TRIGGER IF EXISTS {quote(trigger)}")

    def has_capture(self, module: Module) -> bool:
        names = self._triggers(module)
        found = self.rows("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?, ?)", names)
        return found[0][0] == len(names)

    def mark_applying(self) -> None:
        self.execute("INSERT INTO datasync_applying (flag) VALUES (1)")

    def unmark_applying(self) -> None:
        self.execute("DELETE FROM datasync_applying")

    def _document(self, module: Module, row: str = "s") -> str:
        return "json_object(" + ", ".join(f"'{c}', {row}.{quote(c)}" for c in module.columns) + ")"

    def read_batch(self, module: Module, *, after: str | None, limit: int) -> tuple[str, int, str | None]:
        key = quote(module.key)
        where, params = (f" WHERE {key} > ?", [after]) if after is not None else ("", [])
        columns = ", ".join(quote(c) for c in module.columns)
        rows, count, last = self.one(
            f"SELECT coalesce(json_group_array(json({self._document(module)})), '[]'), count(*), "
            f"CAST(max(s.{key}) AS TEXT) FROM (SELECT {columns} FROM {quote(self.table(module))}{where} "
            f"ORDER BY {key} LIMIT ?) s", [*params, limit])
        return rows, int(count), last

    def read_keys(self, module: Module, keys: Sequence[str]) -> str:
        columns = ", ".join(quote(c) for c in module.columns)
        return str(self.one(
            f"SELECT coalesce(json_group_array(json({self._document(module)})), '[]') FROM (SELECT {columns} "
            f"FROM {quote(self.table(module))} WHERE CAST({quote(module.key)} AS TEXT) IN "
            f"(SELECT value FROM json_each(?))) s", [_json_list(keys)])[0])

    def upsert(self, module: Module, rows_json: str) -> None:
        side = module.side(self.side.name)
        columns = ", ".join(quote(c) for c in [*module.columns, *side.on_insert])
        values = ", ".join([*(f"json_extract(value, '$.\"{c}\"')" for c in module.columns), *side.on_insert.values()])
        self.execute(f"INSERT INTO {quote(side.table)} ({columns}) SELECT {values} FROM json_each(?) WHERE true "
                     f"ON CONFLICT ({quote(module.key)}) DO UPDATE SET {_assignments(module, side, 'excluded')}",
                     [rows_json])

    def delete_keys(self, module: Module, keys: Sequence[str]) -> None:
        self.execute(f"DELETE FROM {quote(self.table(module))} WHERE CAST({quote(module.key)} AS TEXT) IN "
                     f"(SELECT value FROM json_each(?))", [_json_list(keys)])

    def row_hash(self, module: Module) -> str:
        text = " || '|' || ".join(f"coalesce(CAST({quote(c)} AS TEXT), '{NULL_TEXT}')" for c in module.columns)
        return f"datasync_hash({text})"

    def key_bucket(self, module: Module) -> str:
        return f"datasync_bucket(CAST({quote(module.key)} AS TEXT))"


def _json_list(values: Sequence[str]) -> str:
    return json.dumps(list(values))


# ---------------------------------------------------------------- small dialect differences, by kind
def now(database: Database) -> str:
    return "now()" if database.kind == "postgresql" else "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def seconds_ago(database: Database, seconds: int) -> str:
    if database.kind == "postgresql":
        return f"now() - interval '{int(seconds)} seconds'"
    return f"strftime('%Y-%m-%d %H:%M:%f', 'now', '-{int(seconds)} seconds')"


def json_texts(database: Database) -> str:
    """A FROM item over the JSON array of strings in the next parameter; each string is `value`."""
    return "jsonb_array_elements_text(%s::jsonb) AS j(value)" if database.kind == "postgresql" else "json_each(%s)"


def json_pairs(database: Database) -> tuple[str, str, str]:
    """A FROM item over the JSON array of [text, integer] pairs in the next parameter, and its two parts."""
    if database.kind == "postgresql":
        return "jsonb_array_elements(%s::jsonb) AS j(value)", "value ->> 0", "(value ->> 1)::bigint"
    return "json_each(%s)", "json_extract(value, '$[0]')", "json_extract(value, '$[1]')"


def payload_text(database: Database) -> str:
    return "payload::text" if database.kind == "postgresql" else "payload"


def serialise(database: Database) -> None:
    """Inside a transaction: one applier at a time on this database (SQLite's write lock already is)."""
    if database.kind == "postgresql":
        database.execute("SELECT pg_advisory_xact_lock(hashtext('datasync_apply'))")
