"""The monolith's one map from its services' domain errors to HTTP statuses (REST_FRAMEWORK's
EXCEPTION_HANDLER); every other exception is answered as chassis.errors answers it, and datasync's
NotOwner (the products' writes are with the catalogue service, or switching) as 503 with Retry-After."""

from datasync.guard import exception_handler_for
from monolith.catalog.errors import (
    OutOfStock,
    ProductNotFound,
    ReservationCommitted,
    ReservationConflict,
    ReservationNotFound,
    ReservationReleased,
)
from monolith.catalog.remote import CatalogUnavailable

STATUSES = {
    ProductNotFound: 404,
    ReservationNotFound: 404,
    OutOfStock: 409,
    ReservationCommitted: 409,
    ReservationReleased: 410,
    ReservationConflict: 422,
    CatalogUnavailable: 503,
}

exception_handler = exception_handler_for(STATUSES)
