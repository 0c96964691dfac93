"""Where a module stands, kept in both sides' databases (`datasync_state`), and opening both sides.

    phase      off → sync → backfilled → reads → writes → retired   (and back, one at a time)
    owner      the side whose writes count (and are captured); None while writes switch: nobody writes
    reads      the side that serves reads
    detail     the last reconciliation and backfill, as JSON

Both sides hold the same row; the capture triggers read their own side's copy inside the writing
transaction, which is how a flipped owner refuses the other side's writes at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from datasync import sql
from datasync.spec import Module

PHASES = ("off", "sync", "backfilled", "reads", "writes", "retired")


@dataclass
class State:
    module: str
    phase: str = "off"
    owner: str | None = None
    reads: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    updated_at: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"module": self.module, "phase": self.phase, "owner": self.owner, "reads": self.reads,
                "detail": self.detail, "updatedAt": self.updated_at}


class Publishes(Protocol):
    """Told of every saved state and of a backfill's progress (datasync.summary.Publisher)."""

    def publish(self, sides: Sides, *, backfill: Mapping[str, Any] | None = None) -> None: ...

    def progress(self, sides: Sides, backfill: Mapping[str, Any]) -> None: ...


@dataclass
class Sides:
    """Both sides' databases of a module, open; `publisher`, when given, hears of every saved state."""

    module: Module
    databases: dict[str, sql.Database]
    publisher: Publishes | None = None

    @property
    def origin(self) -> sql.Database:
        return self.databases[self.module.origin.name]

    @property
    def target(self) -> sql.Database:
        return self.databases[self.module.target.name]

    def __getitem__(self, name: str) -> sql.Database:
        return self.databases[name]

    def other(self, name: str) -> sql.Database:
        return self.databases[self.module.other(name).name]


@contextmanager
def open_sides(module: Module, environ: Mapping[str, str] | None = None, *,
               publisher: Publishes | None = None) -> Iterator[Sides]:
    """Both sides' databases, from the variables the module names (in `environ`, else the process's)."""
    with ExitStack() as stack:
        databases: dict[str, sql.Database] = {}
        for side in module.sides:
            database = sql.connect(side, environ)
            stack.callback(database.close)
            databases[side.name] = database
        kinds = {database.kind for database in databases.values()}
        if len(kinds) > 1:
            raise sql.DatabaseError(f"module {module.name}: both sides must be the same kind of database "
                                    f"(rows are compared by their text form); found {', '.join(sorted(kinds))}.")
        yield Sides(module, databases, publisher)


def state_read(database: sql.Database, module: Module) -> State:
    if not database.has_tables():
        return State(module.name, reads=module.origin.name, owner=None)
    found = database.rows("SELECT owner, phase, reads, detail, CAST(updated_at AS TEXT) FROM datasync_state "
                          "WHERE module = %s", [module.name])
    if not found:
        return State(module.name, reads=module.origin.name)
    owner, phase, reads, detail, updated_at = found[0]
    return State(module.name, phase=phase, owner=owner, reads=reads, detail=json.loads(detail or "{}"),
                 updated_at=str(updated_at))


def state_write(database: sql.Database, state: State) -> None:
    database.execute(
        "INSERT INTO datasync_state (module, owner, phase, reads, detail, updated_at) "
        f"VALUES (%s, %s, %s, %s, %s, {sql.now(database)}) ON CONFLICT (module) DO UPDATE SET owner = excluded.owner, "
        "phase = excluded.phase, reads = excluded.reads, detail = excluded.detail, updated_at = excluded.updated_at",
        [state.module, state.owner, state.phase, state.reads, json.dumps(state.detail)])


def state_save(sides: Sides, state: State, *, first: str | None = None) -> None:
    """Write `state` to both sides; `first` names the side that must see it first (the one losing writes)."""
    order = sorted(sides.databases, key=lambda name: name != first)
    for name in order:
        with sides[name].transaction():
            state_write(sides[name], state)
    if sides.publisher is not None:
        sides.publisher.publish(sides)


def current(sides: Sides) -> State:
    """The module's state as its origin holds it (both sides hold the same)."""
    return state_read(sides.origin, sides.module)


def backlog(database: sql.Database, module: Module) -> int:
    if not database.has_tables():
        return 0
    return int(database.one("SELECT count(*) FROM datasync_outbox WHERE module = %s AND published_at IS NULL",
                            [module.name])[0])


def parked(database: sql.Database, module: Module) -> int:
    """Rows of the module this side refused from the relay (datasync.relay), still different from the owner's."""
    found = _parked_query(database, "count(*)", module, "")
    return int(found[0][0]) if found else 0


def parked_rows(database: sql.Database, module: Module, *, limit: int = 20) -> list[tuple[str, str, str]]:
    """(key, the database's refusal, when) of each parked row, oldest first."""
    found = _parked_query(database, "aggregate_id, error, CAST(parked_at AS TEXT)", module,
                          f" ORDER BY parked_at LIMIT {int(limit)}")
    return [(str(key), str(error), str(at)) for key, error, at in found]


def _parked_query(database: sql.Database, columns: str, module: Module, tail: str) -> list[tuple[Any, ...]]:
    if not database.has_tables():
        return []
    try:
        return database.rows(f"SELECT {columns} FROM datasync_parked WHERE module = %s{tail}", [module.name])
    except sql.DatabaseError:  # installed by a version without it; the next sync-on adds it
        return []


def unpark(database: sql.Database, module: Module, keys: Sequence[str]) -> None:
    """These rows are on `database` as their owner has them now: no longer parked."""
    if keys:
        database.execute(f"DELETE FROM datasync_parked WHERE module = %s AND aggregate_id IN "
                         f"(SELECT value FROM {sql.json_texts(database)})", [module.name, json.dumps(list(keys))])
