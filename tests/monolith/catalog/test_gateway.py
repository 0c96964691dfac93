"""The catalogue gateway answers alike from the monolith's tables and from the catalogue service."""

from __future__ import annotations

import uuid

import pytest

from monolith.catalog import gateway
from monolith.catalog.errors import ProductNotFound, ReservationConflict, ReservationReleased


def new_id() -> str:
    return f"gateway-{uuid.uuid4().hex}"


def test_a_product_reads_the_same_in_both_modes(catalog_mode):
    truffles = gateway.get_product("chocolate-truffles")
    assert (truffles.name, truffles.price_cents, truffles.currency) == ("Box of chocolate truffles", 2400, "usd")
    assert truffles.price_display == "$24.00"
    assert truffles.image_url == "/static/catalog/img/chocolate-truffles.svg"
    assert gateway.get_product("no-such-thing") is None


def test_search_keeps_to_words_category_price_and_limit(catalog_mode):
    found = gateway.search_products(words=["chocolate"], category="chocolates", max_price_cents=2500, limit=2)
    assert 0 < len(found) <= 2
    assert all(p.category == "chocolates" and p.price_cents <= 2500 for p in found)
    assert [p.price_cents for p in found] == sorted(p.price_cents for p in found)
    assert gateway.search_products(words=["submarine"]) == []


def test_stock_is_held_once_under_its_id_and_given_back_once(catalog_mode):
    reservation_id, before = new_id(), gateway.get_product("teddy-bear").stock
    gateway.reserve_stock("teddy-bear", reservation_id=reservation_id, quantity=2)
    gateway.reserve_stock("teddy-bear", reservation_id=reservation_id, quantity=2)
    assert gateway.get_product("teddy-bear").stock == before - 2
    gateway.release_stock(reservation_id=reservation_id)
    gateway.release_stock(reservation_id=reservation_id)
    assert gateway.get_product("teddy-bear").stock == before


def test_the_refusals_are_the_same_domain_errors(catalog_mode):
    left = gateway.get_product("balloon-ride").stock
    with pytest.raises(gateway.OutOfStock):
        gateway.reserve_stock("balloon-ride", reservation_id=new_id(), quantity=left + 1)
    with pytest.raises(ProductNotFound):
        gateway.reserve_stock("no-such-thing", reservation_id=new_id())
    taken = new_id()
    gateway.reserve_stock("teddy-bear", reservation_id=taken)
    with pytest.raises(ReservationConflict):
        gateway.reserve_stock("prosecco", reservation_id=taken)
    gateway.release_stock(reservation_id=taken)
    with pytest.raises(ReservationReleased):
        gateway.reserve_stock("teddy-bear", reservation_id=taken)
    assert gateway.get_product("balloon-ride").stock == left


def test_searches_are_counted_and_the_most_searched_come_first(catalog_mode):
    often, once = f"often{uuid.uuid4().hex[:6]}", f"once{uuid.uuid4().hex[:6]}"
    for _ in range(30):
        gateway.search_products(words=[often])
    gateway.search_products(words=[once, often])
    counts = dict(gateway.popular_searches(limit=100))
    assert counts[often] == 31 and counts[once] == 1
    assert gateway.popular_searches(limit=1) == [(often, 31)]


def test_an_unreachable_service_is_a_503_error_body_for_an_api_client(client, settings, demo_catalog):
    from devstack.waiting import free_port

    settings.CATALOG_SERVICE_URL = f"http://127.0.0.1:{free_port()}"
    response = client.get("/v1/products/prosecco")
    assert response.status_code == 503
    assert response.json()["code"] == 503 and "catalogue" in response.json()["message"]
