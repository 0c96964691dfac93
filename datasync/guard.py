"""For the application's own code: is this side allowed to write a module's table right now?

The capture trigger refuses a write on the side that does not own the module whatever code makes it;
this check lets a service refuse first, with a domain error its API maps to a clear answer, instead of
a database error in the middle of its transaction.
"""

from __future__ import annotations

from django.db import DatabaseError, connections, transaction

from chassis.errors import ApplicationError


class NotOwner(ApplicationError):
    """This side does not own the module's rows now: another side does, or writes are switching."""

    def __init__(self, module: str, side: str, owner: str | None) -> None:
        holder = f"the {owner} side owns them" if owner else "its writes are switching sides"
        super().__init__(f"The {module} data is read-only here ({side}): {holder}. "
                         f"See `strangler data status {module}`.")
        self.module, self.side, self.owner = module, side, owner


def ensure_owner(*, module: str, side: str, using: str = "default") -> None:
    """Raise NotOwner unless `side` may write `module` (a module never synced is writable)."""
    try:
        # A savepoint: on a database without the mechanism the failed read leaves the caller's transaction usable.
        with transaction.atomic(using=using), connections[using].cursor() as cursor:
            cursor.execute("SELECT owner, phase FROM datasync_state WHERE module = %s", [module])
            found = cursor.fetchone()
    except DatabaseError:  # the mechanism was never installed here: nothing to guard
        return
    if found is None or found[1] == "off":
        return
    if found[0] != side:
        raise NotOwner(module, side, found[0])
