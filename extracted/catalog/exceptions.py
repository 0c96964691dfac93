"""The catalogue service's one map from its services' domain errors to HTTP statuses (REST_FRAMEWORK's
EXCEPTION_HANDLER); every other exception is answered as chassis.errors answers it, and datasync's
NotOwner (the products' writes are still the monolith's, or switching) as 503 with Retry-After."""

from datasync.guard import exception_handler_for
from extracted.catalog.catalog.errors import (
    OutOfStock,
    ProductNotFound,
    ReservationCommitted,
    ReservationConflict,
    ReservationNotFound,
    ReservationReleased,
)

STATUSES = {
    ProductNotFound: 404,
    ReservationNotFound: 404,
    OutOfStock: 409,
    ReservationCommitted: 409,
    ReservationReleased: 410,
    ReservationConflict: 422,
}

exception_handler = exception_handler_for(STATUSES)
