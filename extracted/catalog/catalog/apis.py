"""The catalogue's public API, the monolith's own (catalog_contract.api): products, search, popular searches.

Reads are answered from the API cache (cache.py) while no write has happened since; every answer
carries an ETag and an If-None-Match naming it gets 304 (Django's ConditionalGetMiddleware).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog_contract.api import PopularFilter, PopularOutput, ProductFilter, ProductListOutput, ProductOutput
from chassis.errors import ErrorOutput
from extracted.catalog.catalog import selectors
from extracted.catalog.catalog.cache import answers
from extracted.catalog.catalog.searches import search_count, searches_popular


class ProductListApi(APIView):
    @extend_schema(operation_id="productList", parameters=[ProductFilter], responses={200: ProductListOutput, 400: ErrorOutput},
                   summary="Products matching a search, cheapest first")
    def get(self, request: Request) -> Response:
        filters = ProductFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        if params.get("q"):
            search_count(query=params["q"])
        return Response(answers().answer("search", params, lambda: _search(params)))


class ProductDetailApi(APIView):
    @extend_schema(operation_id="productGet", responses={200: ProductOutput, 404: ErrorOutput}, summary="One product")
    def get(self, request: Request, product_id: str) -> Response:
        product = answers().answer("product", {"id": product_id}, lambda: _product(product_id))
        if product is None:
            raise NotFound(f"No product with id {product_id!r}.")
        return Response(product)


class PopularSearchesApi(APIView):
    @extend_schema(operation_id="searchesPopular", parameters=[PopularFilter], responses={200: PopularOutput, 400: ErrorOutput},
                   summary="The most searched terms of the last window")
    def get(self, request: Request) -> Response:
        filters = PopularFilter(data=request.query_params)
        filters.is_valid(raise_exception=True)
        top = searches_popular(limit=filters.validated_data["limit"])
        return Response({"windowSeconds": settings.POPULAR_SEARCH_WINDOW_SECONDS,
                         "terms": [{"term": term, "count": count} for term, count in top]})


def _search(params: dict[str, Any]) -> dict[str, Any]:
    found = selectors.product_search(words=params.get("q", "").split(), category=params.get("category"),
                                     max_price_cents=params.get("maxPriceCents"), limit=params["limit"])
    return {"products": ProductOutput(found, many=True).data}


def _product(product_id: str) -> dict[str, Any] | None:
    product = selectors.product_get(product_id=product_id)
    return ProductOutput(product).data if product else None
