"""The catalogue's internal API for the kit's services: stock held under a reservation id the caller chose.

    PUT    /internal/catalog/reservations/<id>   {"productId": "prosecco", "quantity": 1}
             201 held now · 200 held already (the same answer again) · 409 out of stock
             410 released already · 422 the id holds another product or quantity · 404 no such product
    DELETE /internal/catalog/reservations/<id>
             204 whether it gave stock back, was released already or was never made (a tombstone stays)
    GET    /internal/catalog/reservations?heldAfter=<iso>&heldBefore=<iso>
             200 {"reservations": [{"reservationId", "productId", "quantity", "createdAt"}]}, oldest first

Branch by abstraction (DESIGN §5): the checkout service holds stock here, through HTTP, as it will hold
it in the catalogue service once that is extracted. Each write is one transaction with its conditional
stock UPDATE, and is idempotent on the reservation id, so a caller retries any call safely. Only a
caller with a fresh `X-Strangler-Internal` proof (chassis.identity.sign_internal) gets in; everyone gets
403 while the monolith has no IDENTITY_SIGNING_KEYS (it fails closed).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chassis.identity import IsKitService
from monolith.catalog import selectors, services
from monolith.catalog.models import Reservation
from monolith.catalog.services import OutOfStock

RESERVATION_ID = r"[A-Za-z0-9_-]{1,64}"
LIST_LIMIT = 500


class ReservationReleased(APIException):
    """The id was released (or released before it was ever made): it holds nothing and never will."""

    status_code = status.HTTP_410_GONE
    default_detail = "This reservation was released; make a new one under a new id."


class ReservationConflict(APIException):
    """The id already holds another product or quantity."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This reservation id already holds another product or quantity."


class StockExhausted(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Out of stock: fewer units are left than were asked for."


# ---------------------------------------------------------------- services


def reservation_make(*, reservation_id: str, product_id: str, quantity: int) -> tuple[Reservation, bool]:
    """Hold `quantity` units of the product under `reservation_id`, once: (reservation, made now)."""
    existing = Reservation.objects.filter(pk=reservation_id).first()
    if existing is None:
        try:
            with transaction.atomic():
                services.stock_reserve(product_id=product_id, quantity=quantity)
                return Reservation.objects.create(id=reservation_id, product_id=product_id, quantity=quantity), True
        except IntegrityError:  # a twin request, or a release's tombstone, took the id first: stock rolled back
            existing = Reservation.objects.get(pk=reservation_id)
    return _the_same(existing, product_id=product_id, quantity=quantity), False


def reservation_release(*, reservation_id: str) -> bool:
    """Give back what `reservation_id` holds, once; True when stock went back."""
    if _release_held(reservation_id):
        return True
    if _tombstone(reservation_id):
        return False  # never made: nothing to give back, and now a late reservation takes nothing
    return _release_held(reservation_id)  # made meanwhile by a twin request, or released already


def reservations_held(*, after: Any, before: Any) -> QuerySet[Reservation]:
    return (Reservation.objects.filter(released_at__isnull=True, created_at__gt=after, created_at__lt=before)
            .order_by("created_at")[:LIST_LIMIT])


def _the_same(reservation: Reservation, *, product_id: str, quantity: int) -> Reservation:
    if not reservation.held:
        raise ReservationReleased()
    if (reservation.product_id, reservation.quantity) != (product_id, quantity):
        raise ReservationConflict()
    return reservation


@transaction.atomic
def _release_held(reservation_id: str) -> bool:
    # The conditional UPDATE is the guard: of two releases at once, only one finds the row still held.
    taken = Reservation.objects.filter(pk=reservation_id, released_at__isnull=True).update(released_at=timezone.now())
    if not taken:
        return False
    reservation = Reservation.objects.get(pk=reservation_id)
    services.stock_release(product_id=reservation.product_id, quantity=reservation.quantity)
    return True


def _tombstone(reservation_id: str) -> bool:
    try:
        with transaction.atomic():
            Reservation.objects.create(id=reservation_id, product=None, quantity=0, released_at=timezone.now())
    except IntegrityError:
        return False
    return True


# ---------------------------------------------------------------- API


class ReservationOutput(serializers.Serializer):
    reservationId = serializers.CharField(source="id")
    productId = serializers.CharField(source="product_id")
    quantity = serializers.IntegerField()
    held = serializers.BooleanField()
    createdAt = serializers.DateTimeField(source="created_at")


class ReservationApi(APIView):
    authentication_classes: list = []  # no session or token: the signed header is the only credential
    permission_classes = [IsKitService]

    class InputSerializer(serializers.Serializer):
        productId = serializers.SlugField(max_length=64)
        quantity = serializers.IntegerField(min_value=1, max_value=1000)

    def put(self, request: Request, reservation_id: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product_id, quantity = serializer.validated_data["productId"], serializer.validated_data["quantity"]
        if selectors.product_get(product_id=product_id) is None:
            raise NotFound(f"No product with id {product_id!r}.")
        try:
            reservation, made = reservation_make(reservation_id=reservation_id, product_id=product_id,
                                                 quantity=quantity)
        except OutOfStock:
            raise StockExhausted() from None
        return Response(ReservationOutput(reservation).data, status=201 if made else 200)

    def delete(self, request: Request, reservation_id: str) -> Response:
        reservation_release(reservation_id=reservation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReservationListApi(APIView):
    authentication_classes: list = []
    permission_classes = [IsKitService]

    class FilterSerializer(serializers.Serializer):
        heldAfter = serializers.DateTimeField()
        heldBefore = serializers.DateTimeField()

    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        held = reservations_held(after=filters.validated_data["heldAfter"],
                                 before=filters.validated_data["heldBefore"])
        return Response({"reservations": ReservationOutput(held, many=True).data})
