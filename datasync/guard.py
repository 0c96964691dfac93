"""For the application's own code: is this side allowed to write a module's table right now?

The capture trigger refuses a write on the side that does not own the module whatever code makes it;
this check lets a service refuse first, with a domain error its API maps to a clear answer, instead of
a database error in the middle of its transaction.

The answer is 503 with Retry-After (`exception_handler_for`, each side's REST_FRAMEWORK EXCEPTION_HANDLER):
the caller did nothing wrong, and while writes switch sides a retry a few seconds later succeeds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import DatabaseError, connections, transaction
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.response import Response

from chassis import errors
from chassis.errors import ApplicationError, ErrorOutput, ExceptionHandler

# What a refused writer is told to wait: a switch of writes freezes them for a drain and a reconciliation.
RETRY_AFTER_SECONDS = 5

# For the OpenAPI description of a view that writes a synced module's rows (drf-spectacular's extend_schema:
# `responses={..., **NOT_OWNER_RESPONSES}, parameters=[RETRY_AFTER_HEADER]`).
NOT_OWNER_RESPONSES = {503: OpenApiResponse(ErrorOutput, description=(
    "This side does not own the rows now (another side does, or writes are switching sides): retry after "
    "Retry-After seconds"))}
RETRY_AFTER_HEADER = OpenApiParameter("Retry-After", int, OpenApiParameter.HEADER, response=[503],
                                      description="Seconds to wait before trying again")


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


def exception_handler_for(statuses: Mapping[type[ApplicationError], int]) -> ExceptionHandler:
    """chassis.errors.exception_handler_for(statuses), with NotOwner answered 503 and a Retry-After header."""
    handler = errors.exception_handler_for({**statuses, NotOwner: 503})

    def answer(exc: Exception, context: dict[str, Any]) -> Response | None:
        response = handler(exc, context)
        if isinstance(exc, NotOwner) and response is not None:
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    return answer
