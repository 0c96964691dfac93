"""What a module is: one table, its key and columns, on two sides, each named by its database's variable.

The kit's modules are listed by DATASYNC_MODULES (`path.to.module:NAME`, comma-separated); each entry is a
Module instance. Another monolith lists its own.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

DEFAULT_MODULES = "extracted.catalog.sync:CATALOG,extracted.checkout.sync:ORDERS"


class SpecError(Exception):
    """A module is unknown or misdescribed; the message names the fix."""


@dataclass(frozen=True)
class Side:
    """One side's copy of the table.

    `guard`: while the other side owns the rows, this side's own writes are refused (a trigger raises).
    `on_insert` / `on_update`: SQL for columns only this side has (e.g. a NOT NULL counter) when a
    synced row is inserted or updated here. `after_apply`: called after every committed transaction
    that wrote synced rows here (e.g. to invalidate this side's cache of answers).
    """

    name: str
    database_env: str
    table: str
    guard: bool = True
    on_insert: Mapping[str, str] = field(default_factory=dict)
    on_update: Mapping[str, str] = field(default_factory=dict)
    after_apply: Callable[[], None] | None = None

    def database_url(self, environ: Mapping[str, str] | None = None) -> str:
        url = (os.environ if environ is None else environ).get(self.database_env, "")
        if not url:
            raise SpecError(f"{self.database_env} is not set: the database of the {self.name!r} side.")
        return url


@dataclass(frozen=True)
class Module:
    """A table moved from `origin` (its first owner) to `target`.

    `columns` (the key among them) are compared and copied; each side may have more. `reversible`: the
    target may become the owner (switch writes). `target_keeps_own_rows`: rows only the target has are
    its own (legacy rows), reported but neither a difference nor deleted by a repair.
    """

    name: str
    key: str
    columns: tuple[str, ...]
    origin: Side
    target: Side
    reversible: bool = True
    target_keeps_own_rows: bool = False

    def __post_init__(self) -> None:
        if self.key not in self.columns:
            raise SpecError(f"module {self.name}: the key {self.key!r} must be one of its columns.")

    @property
    def sides(self) -> tuple[Side, Side]:
        return (self.origin, self.target)

    def side(self, name: str) -> Side:
        for side in self.sides:
            if side.name == name:
                return side
        raise SpecError(f"module {self.name} has no side {name!r} (its sides: {self.origin.name}, {self.target.name}).")

    def other(self, name: str) -> Side:
        return self.target if name == self.origin.name else self.origin


def modules(listing: str | None = None) -> dict[str, Module]:
    """Every module DATASYNC_MODULES lists, by name."""
    found: dict[str, Module] = {}
    for entry in (listing or os.environ.get("DATASYNC_MODULES") or DEFAULT_MODULES).split(","):
        path, _, attribute = entry.strip().partition(":")
        try:
            module = getattr(importlib.import_module(path), attribute)
        except (ImportError, AttributeError) as error:
            raise SpecError(f"DATASYNC_MODULES names {entry.strip()!r}, which cannot be loaded: {error}") from None
        if not isinstance(module, Module):
            raise SpecError(f"DATASYNC_MODULES names {entry.strip()!r}, which is not a datasync.spec.Module.")
        found[module.name] = module
    return found


def module_named(name: str) -> Module:
    known = modules()
    if name not in known:
        raise SpecError(f"no module {name!r}; DATASYNC_MODULES lists: {', '.join(sorted(known))}.")
    return known[name]
