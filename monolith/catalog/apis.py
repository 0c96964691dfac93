"""The catalogue's HTTP API (catalog_contract.api): products, search and popular searches.

Served through the gateway, so it answers from wherever the catalogue is (the local tables, or the
catalogue service when CATALOG_SERVICE_URL is set). Every answer carries an ETag and an If-None-Match
naming it gets 304 (Django's ConditionalGetMiddleware).
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog_contract.api import PopularFilter, PopularOutput, ProductFilter, ProductListOutput, ProductOutput
from chassis.errors import ErrorOutput
from monolith.catalog import gateway


class ProductListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="productList", parameters=[ProductFilter],
                   responses={200: ProductListOutput, 400: ErrorOutput, 503: ErrorOutput},
                   summary="Products matching a search, cheapest first")
    def get(self, request: Request) -> Response:
        filters = ProductFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        products = gateway.search_products(words=data.get("q", "").split(), category=data.get("category"),
                                           max_price_cents=data.get("maxPriceCents"), limit=data["limit"])
        return Response({"products": ProductOutput(products, many=True).data})


class ProductDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="productGet", responses={200: ProductOutput, 404: ErrorOutput, 503: ErrorOutput},
                   summary="One product")
    def get(self, request: Request, product_id: str) -> Response:
        product = gateway.get_product(product_id)
        if product is None:
            raise NotFound(f"No product with id {product_id!r}.")
        return Response(ProductOutput(product).data)


class PopularSearchesApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="searchesPopular", parameters=[PopularFilter],
                   responses={200: PopularOutput, 400: ErrorOutput, 503: ErrorOutput},
                   summary="The most searched terms of the last window")
    def get(self, request: Request) -> Response:
        filters = PopularFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        top = gateway.popular_searches(limit=filters.validated_data["limit"])
        return Response({"windowSeconds": settings.POPULAR_SEARCH_WINDOW_SECONDS,
                         "terms": [{"term": term, "count": count} for term, count in top]})
