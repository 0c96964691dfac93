def test_products_are_listed_cheapest_first(demo_catalog, client):
    products = client.get("/v1/products").json()["products"]
    prices = [product["priceCents"] for product in products]
    assert len(products) == 25 and prices == sorted(prices)


def test_products_can_be_searched_by_word_category_and_price(demo_catalog, client):
    response = client.get("/v1/products", {"q": "chocolates", "maxPriceCents": 2500})
    products = response.json()["products"]
    assert products and all(p["category"] == "chocolates" and p["priceCents"] <= 2500 for p in products)


def test_a_product_has_the_fields_a_card_needs(demo_catalog, client):
    product = client.get("/v1/products/chocolate-truffles").json()
    assert product["name"] == "Box of chocolate truffles"
    assert (product["priceCents"], product["price"], product["currency"]) == (2400, "$24.00", "usd")
    assert product["imageUrl"].endswith("chocolate-truffles.svg")


def test_an_unknown_product_is_a_404_in_the_error_shape(demo_catalog, client):
    response = client.get("/v1/products/no-such-thing")
    body = response.json()
    assert response.status_code == 404
    assert body["code"] == 404 and "no-such-thing" in body["message"]


def test_a_negative_price_filter_is_a_400_in_the_error_shape(demo_catalog, client):
    response = client.get("/v1/products", {"maxPriceCents": -1})
    assert response.status_code == 400
    assert response.json()["code"] == 400 and "maxPriceCents" in response.json()["message"]
