"""What the catalogue's services refuse; monolith/concierge/exceptions.py maps each to its HTTP status.

    ApplicationError (chassis.errors)
    ├── ProductNotFound         no product has that id
    ├── ReservationNotFound     no reservation has that id (committing one never made)
    ├── OutOfStock              fewer units are left than were asked for
    ├── ReservationReleased     the reservation id was released: it holds nothing and never will
    ├── ReservationCommitted    the reservation's stock is sold: it can no longer be released
    └── ReservationConflict     the reservation id already holds another product or quantity
"""

from __future__ import annotations

from chassis.errors import ApplicationError


class ProductNotFound(ApplicationError):
    """No product has that id."""

    def __init__(self, product_id: str) -> None:
        super().__init__(f"No product with id {product_id!r}.")
        self.product_id = product_id


class ReservationNotFound(ApplicationError):
    """No reservation has that id."""

    def __init__(self, reservation_id: str) -> None:
        super().__init__(f"No reservation with id {reservation_id!r}.")
        self.reservation_id = reservation_id


class OutOfStock(ApplicationError):
    """The product has fewer units left than were asked for."""

    default_message = "Out of stock: fewer units are left than were asked for."

    def __init__(self, product_id: str) -> None:
        super().__init__()
        self.product_id = product_id


class ReservationReleased(ApplicationError):
    """The id was released (or released before it was ever made): it holds nothing and never will."""

    default_message = "This reservation was released; make a new one under a new id."


class ReservationCommitted(ApplicationError):
    """The reservation's units were sold for good; releasing it cannot give them back."""

    default_message = "This reservation was committed: its units are sold and cannot be released."


class ReservationConflict(ApplicationError):
    """The id already holds another product or quantity."""

    default_message = "This reservation id already holds another product or quantity."
