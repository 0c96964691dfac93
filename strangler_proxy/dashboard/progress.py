"""Migration progress: how much of the monolith's URL space the extracted services serve.

Not measured yet: the URL inventory that would say it is still to come. The dashboard shows this section
as a labelled placeholder while `migration_progress()` returns None.
"""

from __future__ import annotations

from dataclasses import dataclass

from strangler_proxy.table import RouteTable


@dataclass(frozen=True)
class Progress:
    """How many of the inventoried URLs a service (not the monolith) answers."""

    moved: int
    total: int
    # Free text under the figure, e.g. where the inventory came from and when.
    note: str = ""


def migration_progress(table: RouteTable) -> Progress | None:
    """The progress against the URL inventory; None while there is no inventory."""
    return None
