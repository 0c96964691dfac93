"""The catalogue API's shapes, rendered alike by the monolith and the catalogue service.

    GET  /v1/products?q=&category=&maxPriceCents=&limit=     {"products": [Product, ...]}, cheapest first
    GET  /v1/products/{id}                                   Product
    GET  /v1/searches/popular?limit=                         {"windowSeconds", "terms": [{"term", "count"}]}
    PUT|DELETE /internal/catalog/reservations/{id}           Reservation (internal: kit services only)
    POST /internal/catalog/reservations/{id}/commit          Reservation (internal)
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers

SEARCH_LIMIT = 50
POPULAR_LIMIT = 10
RESERVATION_ID = r"[A-Za-z0-9_-]{1,64}"
_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}
_WORD = re.compile(r"[a-z0-9]+")
# Words a search is made of that say nothing about what is popular.
_NOT_TERMS = frozenset({"a", "an", "and", "the", "for", "of", "to", "in", "on", "with", "me", "some", "any"})


def price_display(cents: int, currency: str) -> str:
    """The price as a person reads it: $24.00, or 24.00 chf for a currency without a symbol here."""
    symbol = _SYMBOLS.get(currency, "")
    return f"{symbol}{cents / 100:,.2f}" if symbol else f"{cents / 100:,.2f} {currency}"


def search_terms(query: str) -> list[str]:
    """The distinct words of a search that count towards popular searches, lower case, in order."""
    terms = [word for word in _WORD.findall(query.lower()) if len(word) > 1 and word not in _NOT_TERMS]
    return list(dict.fromkeys(terms))[:20]


class QueryParameters(serializers.Serializer):
    """Query parameters, where one given empty (`?limit=`) is refused rather than taken as absent (DRF's
    rule for form fields), so the API accepts exactly what its OpenAPI description allows."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        blank = {name: ["May not be blank."] for name, field in self.fields.items()
                 if self.initial_data.get(name) == "" and not getattr(field, "allow_blank", False)}
        if blank:
            raise serializers.ValidationError(blank)
        return attrs


class ProductOutput(serializers.Serializer):
    """A product as clients read it; the source attributes are the model's (or the gateway's ProductInfo)."""

    id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField()
    priceCents = serializers.IntegerField(source="price_cents")
    currency = serializers.CharField()
    price = serializers.CharField(source="price_display")
    imageUrl = serializers.CharField(source="image_url")
    stock = serializers.IntegerField()


class ProductListOutput(serializers.Serializer):
    products = ProductOutput(many=True)


class ProductFilter(QueryParameters):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    category = serializers.CharField(required=False, max_length=20, trim_whitespace=False)
    maxPriceCents = serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=SEARCH_LIMIT, default=SEARCH_LIMIT)


class PopularFilter(QueryParameters):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=POPULAR_LIMIT)


class PopularTerm(serializers.Serializer):
    term = serializers.CharField()
    count = serializers.IntegerField()


class PopularOutput(serializers.Serializer):
    windowSeconds = serializers.IntegerField()
    terms = PopularTerm(many=True)


class ReservationInput(serializers.Serializer):
    productId = serializers.SlugField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=1000)


class ReservationOutput(serializers.Serializer):
    reservationId = serializers.CharField(source="id")
    productId = serializers.CharField(source="product_id", allow_null=True)  # null: a release's tombstone
    quantity = serializers.IntegerField()
    held = serializers.BooleanField()
    createdAt = serializers.DateTimeField(source="created_at")


class ReservationFilter(QueryParameters):
    heldAfter = serializers.DateTimeField()
    heldBefore = serializers.DateTimeField()


class ReservationListOutput(serializers.Serializer):
    reservations = ReservationOutput(many=True)
