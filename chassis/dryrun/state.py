"""Whether the current request is a dry run, and what it suppressed.

The middleware sets a context variable for the duration of a shadowed request; every suppression point
asks `suppressed(effect, detail)`: False outside a dry run (carry on), else the effect is logged and
counted and the answer is True (do not carry it out). A thread or task the request starts does not
inherit the dry run: it must not be started from one.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger("chassis.dryrun")


@dataclass
class DryRun:
    """One dry-run request: how many effects of each kind it suppressed."""

    counts: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        """`rolled-back`, then each kind suppressed with its count: `rolled-back; celery=1; on_commit=2`."""
        return "; ".join(["rolled-back", *(f"{effect}={count}" for effect, count in sorted(self.counts.items()))])


_current: ContextVar[DryRun | None] = ContextVar("chassis_dry_run", default=None)


def active() -> bool:
    """Whether the code running now is part of a dry run."""
    return _current.get() is not None


@contextmanager
def dry_run() -> Iterator[DryRun]:
    """A dry run for the block: every suppression point inside it suppresses."""
    run = DryRun()
    token = _current.set(run)
    try:
        yield run
    finally:
        _current.reset(token)


def suppressed(effect: str, detail: str, **context: Any) -> bool:
    """In a dry run: log and count `effect` ("celery", "email", ...) and answer True, so the caller does not
    carry it out. Outside one: False, and nothing is recorded."""
    run = _current.get()
    if run is None:
        return False
    run.counts[effect] += 1
    logger.info("dry run: effect suppressed", extra={"effect": effect, "detail": detail, **context})
    return True
