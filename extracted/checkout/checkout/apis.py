"""`POST /v1/checkout` (the original contract, now accepted at once) and `GET /v1/orders/{id}`.

The views read the request, call one service and render; what the services refuse becomes an HTTP
answer in extracted/checkout/exceptions.py.

The copy that lives, behind the proxy's `checkout` and `orders` routes: the monolith's synchronous
checkout (monolith/orders) is kept as the "before", their rollback.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chassis.errors import ErrorOutput
from chassis.identity import Identity, IdentityUser
from extracted.checkout.checkout import selectors
from extracted.checkout.checkout.errors import IDEMPOTENCY_HEADER
from extracted.checkout.checkout.fingerprints import request_fingerprint
from extracted.checkout.checkout.idempotency import MAX_KEY_LENGTH, Answer, KeyClaim, answer_replayed
from extracted.checkout.checkout.services import order_accept, order_status_url
from extracted.checkout.checkout.texts import status_message
from order_contract.fields import DeliveryDateField


class CheckoutApi(APIView):
    # Named apart: every view's nested InputSerializer would otherwise be the one component "InputRequest".
    @extend_schema_serializer(component_name="CheckoutInput")
    class InputSerializer(serializers.Serializer):
        productId = serializers.RegexField(r"^[A-Za-z0-9_-]+$", max_length=64)
        deliveryAddress = serializers.CharField(max_length=300)
        deliveryDate = DeliveryDateField()
        paymentMethod = serializers.RegexField(r"^pm_[A-Za-z0-9_]+$", max_length=64, required=False)

    @extend_schema(operation_id="checkout", request=InputSerializer, summary="Accept an order; a saga carries it out",
                   parameters=[OpenApiParameter(IDEMPOTENCY_HEADER, str, OpenApiParameter.HEADER, required=False)],
                   responses={200: OpenApiTypes.OBJECT, 202: OpenApiTypes.OBJECT, 400: ErrorOutput,
                              403: ErrorOutput, 409: ErrorOutput, 422: ErrorOutput, 503: ErrorOutput})
    def post(self, request: Request) -> Response:
        identity = _caller(request)
        claim = _claim(request, identity)
        # A repeated request gets its first answer, even when it would no longer validate (a date since past).
        replay = answer_replayed(claim)
        if replay is not None:
            return _respond(replay)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        answer = order_accept(claim=claim, identity=identity, product_id=data["productId"],
                              delivery_address=data["deliveryAddress"], delivery_date=data["deliveryDate"],
                              payment_method=data.get("paymentMethod") or settings.CHECKOUT_DEFAULT_PAYMENT_METHOD)
        return _respond(answer)


class HistoryOutput(serializers.Serializer):
    step = serializers.CharField()
    state = serializers.CharField()
    attempt = serializers.IntegerField()
    detail = serializers.CharField()
    at = serializers.DateTimeField()


class OrderSummaryOutput(serializers.Serializer):
    orderId = serializers.UUIDField(source="id")
    number = serializers.CharField()
    status = serializers.CharField()
    completed = serializers.BooleanField()
    productId = serializers.CharField(source="product_id")
    amountCents = serializers.IntegerField(source="amount_cents")
    currency = serializers.CharField()
    createdAt = serializers.DateTimeField(source="created_at")
    statusUrl = serializers.SerializerMethodField()

    def get_statusUrl(self, order: Any) -> str:
        return order_status_url(order)


class OrderListApi(APIView):
    @extend_schema(operation_id="orderList", summary="The caller's orders, newest first",
                   responses={200: inline_serializer("OrderList", {"orders": OrderSummaryOutput(many=True)}),
                              403: ErrorOutput})
    def get(self, request: Request) -> Response:
        orders = selectors.order_list(user_id=str(_caller(request).user_id))
        return Response({"orders": OrderSummaryOutput(orders, many=True).data})


class OrderDetailApi(APIView):
    class OutputSerializer(OrderSummaryOutput):
        """The summary, plus where the saga is, what it says, and its history."""

        step = serializers.CharField()
        reason = serializers.CharField()
        message = serializers.SerializerMethodField()
        productName = serializers.CharField(source="product_name")
        quantity = serializers.IntegerField()
        payment = serializers.CharField()
        stock = serializers.CharField()
        deliveryAddress = serializers.CharField(source="delivery_address")
        deliveryDate = serializers.DateField(source="delivery_date")
        updatedAt = serializers.DateTimeField(source="updated_at")
        history = serializers.SerializerMethodField()

        def get_message(self, order: Any) -> str:
            return status_message(order)

        @extend_schema_field(HistoryOutput(many=True))
        def get_history(self, order: Any) -> Any:
            return HistoryOutput(selectors.order_history(order=order), many=True).data

    @extend_schema(operation_id="orderGet", summary="One of the caller's orders, with its saga's history",
                   responses={200: OutputSerializer, 403: ErrorOutput, 404: ErrorOutput})
    def get(self, request: Request, order_id: UUID) -> Response:
        order = selectors.order_get_for_user(order_id=order_id, user_id=str(_caller(request).user_id))
        if order is None:
            raise NotFound("No such order.")
        return Response(self.OutputSerializer(order).data)


def _caller(request: Request) -> Identity:
    """Who is calling, as EdgeIdentityAuthentication verified it (the permission refused everyone else)."""
    return cast(IdentityUser, request.user).identity


def _claim(request: Request, identity: Identity) -> KeyClaim | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationError({IDEMPOTENCY_HEADER: f"Must be 1 to {MAX_KEY_LENGTH} printable characters."})
    fingerprint = request_fingerprint(method=request.method or "POST", path=request.path, body=request.data,
                                      user_id=str(identity.user_id))
    return KeyClaim(user_id=str(identity.user_id), key=key, fingerprint=fingerprint)


def _respond(answer: Answer) -> Response:
    headers = {"Location": answer.body.get("statusUrl", "")}
    if answer.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(answer.body, status=answer.status, headers=headers)
