"""The checkout service's one map from its services' domain errors to HTTP statuses (REST_FRAMEWORK's
EXCEPTION_HANDLER); every other exception is answered as chassis.errors answers it."""

from chassis.errors import exception_handler_for
from extracted.checkout.checkout.errors import CatalogDown, IdempotencyConflict, ProductNotFound

STATUSES = {
    ProductNotFound: 400,
    IdempotencyConflict: 422,
    CatalogDown: 503,
}

exception_handler = exception_handler_for(STATUSES)
