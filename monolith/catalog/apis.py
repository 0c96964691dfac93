"""The catalogue's HTTP API: `GET /v1/products` and `GET /v1/products/{id}`."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from monolith.catalog import gateway


class ProductOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField()
    priceCents = serializers.IntegerField(source="price_cents")
    currency = serializers.CharField()
    price = serializers.CharField(source="price_display")
    imageUrl = serializers.CharField(source="image_url")
    stock = serializers.IntegerField()


class ProductListApi(APIView):
    permission_classes = [AllowAny]

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=200)
        category = serializers.CharField(required=False, max_length=20)
        maxPriceCents = serializers.IntegerField(required=False, min_value=0)

    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        products = gateway.search_products(words=data.get("q", "").split(), category=data.get("category"),
                                           max_price_cents=data.get("maxPriceCents"), limit=50)
        return Response({"products": ProductOutput(products, many=True).data})


class ProductDetailApi(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request, product_id: str) -> Response:
        product = gateway.get_product(product_id)
        if product is None:
            raise NotFound(f"No product with id {product_id!r}.")
        return Response(ProductOutput(product).data)
