"""The catalogue's internal API for the kit's services: stock held under a reservation id the caller chose.

The monolith's internal reservations API (monolith/catalog/internal.py), answered alike (commit included):

    PUT    /internal/catalog/reservations/<id>          {"productId": "prosecco", "quantity": 1}
             201 held now · 200 held already · 409 out of stock · 410 released already
             422 the id holds another product or quantity · 404 no such product
    DELETE /internal/catalog/reservations/<id>
             204 gave stock back, was released already or was never made (a tombstone stays)
             409 committed: its units are sold
    POST   /internal/catalog/reservations/<id>/commit
             200 the units are sold for good (again: the same answer) · 404 never made · 410 released
    GET    /internal/catalog/reservations?heldAfter=<iso>&heldBefore=<iso>
             200 {"reservations": [...]}: held, not committed, oldest first

Only a caller with a fresh `X-Strangler-Internal` proof (chassis.identity.sign_internal) gets in.
"""

from __future__ import annotations

import logging

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog_contract.api import ReservationFilter, ReservationInput, ReservationListOutput, ReservationOutput
from chassis.errors import ErrorOutput
from chassis.identity import ANONYMOUS, IsKitService
from datasync.guard import NOT_OWNER_RESPONSES, RETRY_AFTER_HEADER
from extracted.catalog.catalog import selectors
from extracted.catalog.catalog.services import reservation_commit, reservation_make, reservation_release

logger = logging.getLogger(__name__)

REFUSED = {403: ErrorOutput, 404: ErrorOutput, 409: ErrorOutput, 410: ErrorOutput, 422: ErrorOutput}


class ReservationApi(APIView):
    permission_classes = [IsKitService]

    @extend_schema(operation_id="reservationMake", request=ReservationInput, parameters=[RETRY_AFTER_HEADER],
                   responses={200: ReservationOutput, 201: ReservationOutput, 400: ErrorOutput, **REFUSED,
                              **NOT_OWNER_RESPONSES},
                   summary="Hold units under a reservation id (idempotent)")
    def put(self, request: Request, reservation_id: str) -> Response:
        serializer = ReservationInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        reservation, made = reservation_make(reservation_id=reservation_id,
                                             product_id=serializer.validated_data["productId"],
                                             quantity=serializer.validated_data["quantity"])
        if made:
            logger.info("stock reserved", extra={"reservation_id": reservation.id, "product_id": reservation.product_id,
                                                 "quantity": reservation.quantity,
                                                 "for_user_id": getattr(request, "identity", ANONYMOUS).user_id})
        return Response(ReservationOutput(reservation).data, status=201 if made else 200)

    @extend_schema(operation_id="reservationRelease", parameters=[RETRY_AFTER_HEADER],
                   responses={204: OpenApiResponse(description="Released, or nothing to release"), 403: ErrorOutput,
                              404: ErrorOutput, 409: ErrorOutput, **NOT_OWNER_RESPONSES},
                   summary="Give back what a reservation holds (idempotent)")
    def delete(self, request: Request, reservation_id: str) -> Response:
        reservation_release(reservation_id=reservation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReservationCommitApi(APIView):
    permission_classes = [IsKitService]

    @extend_schema(operation_id="reservationCommit", request=None, responses={200: ReservationOutput, **REFUSED},
                   summary="Sell what a reservation holds, for good (idempotent)")
    def post(self, request: Request, reservation_id: str) -> Response:
        return Response(ReservationOutput(reservation_commit(reservation_id=reservation_id)).data)


class ReservationListApi(APIView):
    permission_classes = [IsKitService]

    @extend_schema(operation_id="reservationsHeld", parameters=[ReservationFilter],
                   responses={200: ReservationListOutput, 400: ErrorOutput, 403: ErrorOutput},
                   summary="Reservations made in a window and still held")
    def get(self, request: Request) -> Response:
        filters = ReservationFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        held = selectors.reservations_held(after=filters.validated_data["heldAfter"],
                                           before=filters.validated_data["heldBefore"])
        return Response({"reservations": ReservationOutput(held, many=True).data})
