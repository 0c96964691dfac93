"""What the checkout's services refuse; extracted/checkout/exceptions.py maps each to its HTTP status.

    ApplicationError (chassis.errors)
    ├── ProductNotFound          the catalogue has no such product; nothing was ordered
    ├── CatalogDown              the catalogue could not be asked; nothing was ordered, try again
    └── IdempotencyConflict      the Idempotency-Key was first used with another request; nothing was ordered
"""

from __future__ import annotations

from chassis.errors import ApplicationError

IDEMPOTENCY_HEADER = "Idempotency-Key"


class ProductNotFound(ApplicationError):
    """The catalogue has no product with that id."""

    def __init__(self, product_id: str) -> None:
        super().__init__(f"No product with id {product_id!r}.", field="productId")
        self.product_id = product_id


class CatalogDown(ApplicationError):
    """The catalogue did not answer, or answered with an error: whether the product exists is unknown."""

    default_message = "The catalogue is unavailable; nothing was ordered. Please try again."


class IdempotencyConflict(ApplicationError):
    """The key was first used with a different request."""

    default_message = (f"This {IDEMPOTENCY_HEADER} was first used with a different request; nothing was "
                       "ordered. Use a new key for a new order.")
