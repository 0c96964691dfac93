"""The catalogue's internal API for the kit's services: stock held under a reservation id the caller chose.

    PUT    /internal/catalog/reservations/<id>   {"productId": "prosecco", "quantity": 1}
             201 held now · 200 held already (the same answer again) · 409 out of stock
             410 released already · 422 the id holds another product or quantity · 404 no such product
    DELETE /internal/catalog/reservations/<id>
             204 whether it gave stock back, was released already or was never made (a tombstone stays)
             409 committed: its units are sold
    POST   /internal/catalog/reservations/<id>/commit
             200 the units are sold for good (again: the same answer) · 404 never made · 410 released
    GET    /internal/catalog/reservations?heldAfter=<iso>&heldBefore=<iso>
             200 {"reservations": [{"reservationId", "productId", "quantity", "held", "createdAt"}]}
                 made in the window, still held and not committed, oldest first

Branch by abstraction (DESIGN §5): the checkout service holds stock here, through HTTP, as it will hold
it in the catalogue service once that is extracted. The views only read the request, call one service
of monolith.catalog.services (idempotent on the reservation id, so a caller retries any call safely) and
render; the services' refusals become 404/409/410/422 in monolith/concierge/exceptions.py. The calls,
their answers and their OpenAPI descriptions are the catalogue service's (extracted/catalog/catalog/
internal.py), and one contract suite (tests/contracts) holds both to them. Only a caller with a fresh
`X-Strangler-Internal` proof (chassis.identity.sign_internal) gets in; everyone gets 403 while the
monolith has no IDENTITY_SIGNING_KEYS (it fails closed).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog_contract.api import (
    RESERVATION_ID,
    ReservationFilter,
    ReservationInput,
    ReservationListOutput,
    ReservationOutput,
)
from chassis.errors import ErrorOutput
from chassis.identity import IsKitService
from datasync.guard import NOT_OWNER_RESPONSES, RETRY_AFTER_HEADER
from monolith.catalog import selectors
from monolith.catalog.services import reservation_commit, reservation_make, reservation_release

__all__ = ["RESERVATION_ID", "ReservationApi", "ReservationCommitApi", "ReservationListApi"]

REFUSED = {403: ErrorOutput, 404: ErrorOutput, 409: ErrorOutput, 410: ErrorOutput, 422: ErrorOutput}


class ReservationApi(APIView):
    authentication_classes: list = []  # no session or token: the signed header is the only credential
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
        return Response(ReservationOutput(reservation).data, status=201 if made else 200)

    @extend_schema(operation_id="reservationRelease", parameters=[RETRY_AFTER_HEADER],
                   responses={204: OpenApiResponse(description="Released, or nothing to release"), 403: ErrorOutput,
                              404: ErrorOutput, 409: ErrorOutput, **NOT_OWNER_RESPONSES},
                   summary="Give back what a reservation holds (idempotent)")
    def delete(self, request: Request, reservation_id: str) -> Response:
        reservation_release(reservation_id=reservation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReservationCommitApi(APIView):
    authentication_classes: list = []
    permission_classes = [IsKitService]

    @extend_schema(operation_id="reservationCommit", request=None, responses={200: ReservationOutput, **REFUSED},
                   summary="Sell what a reservation holds, for good (idempotent)")
    def post(self, request: Request, reservation_id: str) -> Response:
        return Response(ReservationOutput(reservation_commit(reservation_id=reservation_id)).data)


class ReservationListApi(APIView):
    authentication_classes: list = []
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
