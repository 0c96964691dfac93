"""The public catalogue API (catalog_contract.api), as both implementations must answer it."""

from __future__ import annotations

import uuid

import requests

PRODUCT_FIELDS = {"id", "name", "description", "category", "priceCents", "currency", "price", "imageUrl", "stock"}


def get(catalog, path: str, **params) -> requests.Response:
    return requests.get(f"{catalog.url}{path}", params=params, timeout=10)


def products(catalog, **params) -> list[dict]:
    response = get(catalog, "/v1/products", **params)
    assert response.status_code == 200, response.text
    return response.json()["products"]


def test_the_list_has_every_product_cheapest_first_with_the_contract_fields(catalog):
    listed = products(catalog)
    assert len(listed) == 25
    assert all(set(product) == PRODUCT_FIELDS for product in listed)
    prices = [product["priceCents"] for product in listed]
    assert prices == sorted(prices)


def test_a_product_reads_as_a_person_and_a_program_read_it(catalog):
    truffles = get(catalog, "/v1/products/chocolate-truffles").json()
    assert truffles["name"] == "Box of chocolate truffles"
    assert (truffles["priceCents"], truffles["currency"], truffles["price"]) == (2400, "usd", "$24.00")
    assert truffles["imageUrl"] == "/static/catalog/img/chocolate-truffles.svg"


def test_search_matches_any_word_in_the_name_or_keywords(catalog):
    found = {product["id"] for product in products(catalog, q="truffles roses")}
    assert "chocolate-truffles" in found and any("rose" in product_id for product_id in found)
    assert all(product_id != "prosecco" for product_id in found)


def test_search_by_category_and_price_cap_keeps_to_both(catalog):
    found = products(catalog, category="chocolates", maxPriceCents=2500)
    assert found and all(p["category"] == "chocolates" and p["priceCents"] <= 2500 for p in found)
    assert {p["id"] for p in found} < {p["id"] for p in products(catalog, category="chocolates")}


def test_a_word_naming_the_category_finds_the_category(catalog):
    found = products(catalog, q="wine")
    assert found and {product["category"] for product in found} == {"wine"}


def test_limit_keeps_the_cheapest(catalog):
    assert products(catalog, q="chocolate", limit=2) == products(catalog, q="chocolate")[:2]


def test_a_search_finding_nothing_is_an_empty_list(catalog):
    assert products(catalog, q="submarine") == []


def test_an_unknown_product_is_a_404_error_body(catalog):
    response = get(catalog, "/v1/products/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == 404 and "no-such-thing" in response.json()["message"]


def test_bad_filters_are_a_400_error_body_naming_the_field(catalog):
    for params, field in [({"maxPriceCents": "-1"}, "maxPriceCents"), ({"limit": "0"}, "limit"),
                          ({"maxPriceCents": "cheap"}, "maxPriceCents"), ({"q": "x" * 201}, "q")]:
        response = get(catalog, "/v1/products", **params)
        assert response.status_code == 400, params
        assert response.json()["code"] == 400 and field in response.json()["message"]


def test_a_read_carries_an_etag_and_the_same_etag_gets_304(catalog):
    first = get(catalog, "/v1/products/prosecco")
    etag = first.headers["ETag"]
    again = requests.get(f"{catalog.url}/v1/products/prosecco", headers={"If-None-Match": etag}, timeout=10)
    assert again.status_code == 304 and again.content == b""
    other = requests.get(f"{catalog.url}/v1/products/prosecco", headers={"If-None-Match": '"other"'}, timeout=10)
    assert other.status_code == 200 and other.json() == first.json()


def test_popular_searches_count_each_term_of_each_search(catalog):
    term = f"zz{uuid.uuid4().hex[:8]}"
    for _ in range(3):
        products(catalog, q=f"the {term} chocolate")
    popular = get(catalog, "/v1/searches/popular", limit=100).json()
    counts = {entry["term"]: entry["count"] for entry in popular["terms"]}
    assert counts[term] == 3 and "the" not in counts
    assert popular["windowSeconds"] >= 60


def test_popular_searches_are_most_searched_first_and_limited(catalog):
    rare, common = f"rare{uuid.uuid4().hex[:6]}", f"common{uuid.uuid4().hex[:6]}"
    products(catalog, q=rare)
    for _ in range(5):
        products(catalog, q=common)
    terms = [entry["term"] for entry in get(catalog, "/v1/searches/popular", limit=100).json()["terms"]]
    assert terms.index(common) < terms.index(rare)
    assert len(get(catalog, "/v1/searches/popular", limit=1).json()["terms"]) == 1
    assert get(catalog, "/v1/searches/popular", limit=0).status_code == 400
