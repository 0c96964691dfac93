"""`POST /v1/checkout` (the original contract) and the order history, `GET /v1/orders[/{id}]`.

The "before": the checkout service (extracted/checkout) is the copy that lives, behind the proxy's
`checkout` and `orders` routes; this one is kept as their rollback (point the routes at the monolith).
"""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from chassis.errors import ErrorOutput, error_body
from integrations.card_processor.client import CardProcessorUnavailable, PaymentDeclined
from monolith.catalog import gateway
from monolith.catalog.gateway import OutOfStock
from monolith.orders import selectors
from monolith.orders.services import order_checkout
from order_contract.fields import DeliveryDateField
from order_contract.texts import confirmed_message


class OrderOutput(serializers.Serializer):
    orderId = serializers.UUIDField(source="id")
    number = serializers.CharField()
    status = serializers.CharField()
    productId = serializers.CharField(source="product_id")
    productName = serializers.CharField(source="product_name")
    amountCents = serializers.IntegerField(source="amount_cents")
    currency = serializers.CharField()
    deliveryAddress = serializers.CharField(source="delivery_address")
    deliveryDate = serializers.DateField(source="delivery_date")
    createdAt = serializers.DateTimeField(source="created_at")


class CheckoutApi(APIView):
    permission_classes = [IsAuthenticated]

    # Named apart: every view's nested InputSerializer would otherwise be the one component "InputRequest".
    @extend_schema_serializer(component_name="CheckoutInput")
    class InputSerializer(serializers.Serializer):
        productId = serializers.CharField(max_length=64)
        deliveryAddress = serializers.CharField(max_length=300)
        deliveryDate = DeliveryDateField()

        def validate_productId(self, value: str) -> gateway.ProductInfo:
            product = gateway.get_product(value)
            if product is None:
                raise serializers.ValidationError(f"No product with id {value!r}.")
            return product

    @extend_schema(operation_id="checkout", request=InputSerializer, summary="Buy one unit, charged at once",
                   responses={200: OpenApiTypes.OBJECT, 400: ErrorOutput, 402: ErrorOutput, 403: ErrorOutput,
                              409: ErrorOutput, 503: ErrorOutput})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            order = order_checkout(user=request.user, product=data["productId"],
                                   delivery_address=data["deliveryAddress"], delivery_date=data["deliveryDate"])
        except OutOfStock:
            return _failed(status.HTTP_409_CONFLICT, "Sorry, that product is out of stock.")
        except PaymentDeclined as declined:
            return _failed(status.HTTP_402_PAYMENT_REQUIRED, f"Your card was declined ({declined.decline_code}).")
        except CardProcessorUnavailable:
            return _failed(status.HTTP_503_SERVICE_UNAVAILABLE,
                           "The payment provider is unavailable; you have not been charged. Please try again.")
        message = confirmed_message(number=order.number, product_name=order.product_name,
                                    delivery_address=order.delivery_address, delivery_date=order.delivery_date)
        return Response({"success": True, "message": message, **OrderOutput(order).data})


def _failed(code: int, message: str) -> Response:
    """The contract's Error shape, with `success: false` so CheckoutResponse readers understand it too."""
    return Response(error_body(code, message, success=False), status=code)


class OrderListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="orderList", summary="The caller's orders",
                   responses={200: inline_serializer("OrderList", {"orders": OrderOutput(many=True)}),
                              403: ErrorOutput})
    def get(self, request: Request) -> Response:
        return Response({"orders": OrderOutput(selectors.order_list(user=request.user), many=True).data})


class OrderDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="orderGet", responses={200: OrderOutput, 403: ErrorOutput, 404: ErrorOutput},
                   summary="One of the caller's orders")
    def get(self, request: Request, order_id: UUID) -> Response:
        order = selectors.order_get(user=request.user, order_id=order_id)
        if order is None:
            raise NotFound("No such order.")
        return Response(OrderOutput(order).data)
