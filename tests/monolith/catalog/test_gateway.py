"""The catalogue gateway answers alike from the monolith's tables and from the catalogue service."""

from __future__ import annotations

import uuid

import pytest
from django.test import RequestFactory

from devstack.catalog import KEYS
from devstack.waiting import wait_until
from monolith.catalog import gateway
from monolith.catalog.caller import serving
from monolith.catalog.errors import (
    ProductNotFound,
    ReservationCommitted,
    ReservationConflict,
    ReservationNotFound,
    ReservationReleased,
)


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
    ranked = gateway.popular_searches(limit=100)
    counts, order = dict(ranked), [term for term, _ in ranked]
    assert counts[often] == 31 and counts[once] == 1
    assert order.index(often) < order.index(once)
    assert len(gateway.popular_searches(limit=1)) == 1


def test_an_unreachable_service_is_a_503_error_body_for_an_api_client(client, settings, demo_catalog):
    from devstack.waiting import free_port

    settings.CATALOG_SERVICE_URL = f"http://127.0.0.1:{free_port()}"
    response = client.get("/v1/products/prosecco")
    assert response.status_code == 503
    assert response.json()["code"] == 503 and "catalogue" in response.json()["message"]


def test_a_call_to_the_service_carries_the_user_it_is_made_for(catalog_service, settings, demo_catalog, shopper):
    """The monolith, serving a signed-in shopper, holds stock for them in the catalogue service."""
    settings.CATALOG_SERVICE_URL, settings.IDENTITY_SIGNING_KEYS = catalog_service.url, KEYS
    request, reservation_id = RequestFactory().get("/v1/checkout"), new_id()
    request.user = shopper
    with serving(request):
        gateway.reserve_stock("teddy-bear", reservation_id=reservation_id)
    gateway.reserve_stock("teddy-bear", reservation_id=f"{reservation_id}-nobody")  # outside a request

    def logged(wanted: str) -> dict | None:
        return next((line for line in catalog_service.process.json_lines() if line.get("reservation_id") == wanted),
                    None)
    assert wait_until(lambda: logged(reservation_id), timeout=10, what="the reservation's log line")[
        "for_user_id"] == str(shopper.pk)
    assert wait_until(lambda: logged(f"{reservation_id}-nobody"), timeout=10, what="the other one")[
        "for_user_id"] is None


def test_stock_is_sold_once_under_its_id_and_then_cannot_be_given_back(catalog_mode):
    reservation_id, before = new_id(), gateway.get_product("museum-pass").stock
    gateway.reserve_stock("museum-pass", reservation_id=reservation_id)
    gateway.commit_stock(reservation_id=reservation_id)
    gateway.commit_stock(reservation_id=reservation_id)
    with pytest.raises(ReservationCommitted):
        gateway.release_stock(reservation_id=reservation_id)
    assert gateway.get_product("museum-pass").stock == before - 1


def test_what_was_never_reserved_or_was_given_back_cannot_be_sold(catalog_mode):
    released, before = new_id(), gateway.get_product("museum-pass").stock
    gateway.reserve_stock("museum-pass", reservation_id=released)
    gateway.release_stock(reservation_id=released)
    with pytest.raises(ReservationReleased):
        gateway.commit_stock(reservation_id=released)
    with pytest.raises(ReservationNotFound):
        gateway.commit_stock(reservation_id=new_id())
    assert gateway.get_product("museum-pass").stock == before
