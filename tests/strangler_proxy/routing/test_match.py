import pytest
from hypothesis import given
from hypothesis import strategies as st

from strangler_proxy.routing.match import Match, MethodNotAllowed, RouteMatcher, RouteRule, is_catch_all, shadows
from strangler_proxy.table import Route, RouteTable, Upstream

CATCH_ALL = Route(id="default", prefix="/", upstream="monolith")


def matcher(*routes: Route) -> RouteMatcher:
    """A matcher for `routes` followed by the catch-all to the monolith."""
    upstreams = {"monolith": Upstream("monolith", "http://127.0.0.1:8000", "MONOLITH_URL")}
    return RouteMatcher(RouteTable(routes=(*routes, CATCH_ALL), upstreams=upstreams))


def test_the_first_full_match_wins():
    first = Route(id="orders-post", prefix="/v1/orders", upstream="orders", methods=frozenset({"POST"}))
    second = Route(id="v1", prefix="/v1/", upstream="catalog")

    routes = matcher(first, second)

    assert routes.match("POST", "/v1/orders", []) is first
    assert routes.match("GET", "/v1/orders", []) is second


@pytest.mark.parametrize("prefix, path, matches", [
    ("/v1/checkout", "/v1/checkout", True),
    ("/v1/checkout", "/v1/checkout/", True),
    ("/v1/checkout", "/v1/checkout/x", True),
    ("/v1/checkout", "/v1/checkoutx", False),
    ("/v1/checkout", "/v1/check", False),
    ("/v1/checkout", "/v1", False),
    ("/static/", "/static/app.css", True),
    ("/static/", "/static/", True),
    ("/static/", "/static", False),
    ("/static/", "/staticx/app.css", False),
    ("/", "/anything/at/all", True),
])
def test_a_prefix_matches_on_segment_boundaries(prefix, path, matches):
    route = Route(id="r", prefix=prefix, upstream="catalog")

    assert (matcher(route).match("GET", path, []) is route) is matches


def test_a_methods_filter_lets_only_those_methods_through():
    route = Route(id="checkout", prefix="/v1/checkout", upstream="orders", methods=frozenset({"POST"}))

    assert matcher(route).match("POST", "/v1/checkout", []) is route
    assert matcher(route).match("GET", "/v1/checkout", []) is CATCH_ALL


def test_a_route_serving_get_also_serves_head():
    route = Route(id="products", prefix="/v1/products", upstream="catalog", methods=frozenset({"GET"}))

    assert matcher(route).match("HEAD", "/v1/products", []) is route


def test_a_headers_filter_needs_every_header_with_its_value():
    route = Route(id="canary", prefix="/v1/products", upstream="catalog",
                  headers=(("x-canary", "1"), ("x-region", "eu")))
    routes = matcher(route)

    assert routes.match("GET", "/v1/products", [(b"x-canary", b"1"), (b"x-region", b"eu")]) is route
    assert routes.match("GET", "/v1/products", [(b"x-canary", b"1")]) is CATCH_ALL
    assert routes.match("GET", "/v1/products", [(b"x-canary", b"0"), (b"x-region", b"eu")]) is CATCH_ALL


def test_a_header_sent_twice_matches_when_either_value_does():
    route = Route(id="canary", prefix="/", upstream="catalog", headers=(("x-canary", "1"),))

    assert matcher(route).match("GET", "/", [(b"x-canary", b"0"), (b"x-canary", b"1")]) is route


def test_headers_may_also_be_a_mapping_of_lower_case_names():
    route = Route(id="canary", prefix="/", upstream="catalog", headers=(("x-canary", "1"),))

    assert matcher(route).match("GET", "/", {"x-canary": "1"}) is route
    assert matcher(route).match("GET", "/", {"x-canary": "2"}) is CATCH_ALL


def test_a_prefix_slash_route_with_a_filter_is_tried_in_its_place_for_every_path():
    posts = Route(id="posts", prefix="/", upstream="catalog", methods=frozenset({"POST"}))
    orders = Route(id="orders", prefix="/v1/orders", upstream="orders")

    assert matcher(posts, orders).match("POST", "/v1/orders", []) is posts
    assert matcher(posts, orders).match("GET", "/v1/orders", []) is orders


def test_the_catch_all_matches_what_no_other_route_does():
    route = Route(id="products", prefix="/v1/products", upstream="catalog")

    assert matcher(route).match("DELETE", "/somewhere/else", []) is CATCH_ALL


def test_a_matcher_refuses_a_table_whose_last_route_is_not_the_catch_all():
    table = RouteTable(routes=(Route(id="products", prefix="/v1/products", upstream="catalog"),), upstreams={})

    with pytest.raises(ValueError, match="last route must be the catch-all"):
        RouteMatcher(table)


@pytest.mark.parametrize("path, method, headers, expected", [
    ("/v1/other", "POST", [(b"x-canary", b"1")], Match.NONE),
    ("/v1/orders", "GET", [(b"x-canary", b"1")], Match.PARTIAL),
    ("/v1/orders", "POST", [], Match.PARTIAL),
    ("/v1/orders/7", "POST", [(b"x-canary", b"1")], Match.FULL),
])
def test_a_single_route_reports_none_partial_or_full(path, method, headers, expected):
    route = Route(id="orders", prefix="/v1/orders", upstream="orders", methods=frozenset({"POST"}),
                  headers=(("x-canary", "1"),))

    assert RouteRule.compile(route).matches(method, path, headers) is expected


@pytest.mark.parametrize("route, expected", [
    (Route(id="a", prefix="/", upstream="monolith"), True),
    (Route(id="a", prefix="/", upstream="monolith", methods=frozenset({"GET"})), False),
    (Route(id="a", prefix="/", upstream="monolith", headers=(("x-canary", "1"),)), False),
    (Route(id="a", prefix="/v1/", upstream="monolith"), False),
])
def test_only_prefix_slash_without_filters_is_a_catch_all(route, expected):
    assert is_catch_all(route) is expected


@pytest.mark.parametrize("earlier, later, expected", [
    ("/", "/v1/orders", True),
    ("/v1/", "/v1/orders", True),
    ("/v1", "/v1/orders", True),
    ("/v1/orders", "/v1/orders/", True),
    ("/v1/orders", "/v1/orders", True),
    ("/v1/orders/", "/v1/orders", False),
    ("/v1/orders", "/v1/ordersx", False),
    ("/v1/orders", "/v1", False),
])
def test_an_earlier_prefix_shadows_a_later_one_only_when_it_covers_every_path(earlier, later, expected):
    first, second = Route(id="a", prefix=earlier, upstream="x"), Route(id="b", prefix=later, upstream="y")

    assert shadows(first, second) is expected


PATHS = st.lists(st.sampled_from(["v1", "v1x", "orders", "a", ""]), min_size=1, max_size=3).map(
    lambda segments: "/" + "/".join(segments))
ROUTES = st.builds(
    lambda number, prefix, slash, methods: Route(id=f"r{number}", prefix=prefix.rstrip("/") + slash or "/",
                                                 upstream="u", methods=frozenset(methods)),
    st.integers(), PATHS, st.sampled_from(["", "/"]), st.sets(st.sampled_from(["GET", "POST"]), max_size=1))


@given(st.lists(ROUTES, max_size=6), PATHS, st.sampled_from(["GET", "POST", "HEAD"]))
def test_matching_picks_the_route_a_scan_of_the_whole_table_in_order_would(routes, path, method):
    routes_matcher = matcher(*routes)

    first = next(rule.route for rule in routes_matcher.rules if rule.matches(method, path, []) is Match.FULL)

    assert routes_matcher.match(method, path, []) is first


def test_an_exclusive_route_answers_other_methods_itself_instead_of_letting_them_fall_through():
    checkout = Route(id="checkout", prefix="/v1/checkout", upstream="checkout", methods=frozenset({"POST"}),
                     exclusive=True)
    routes = matcher(checkout)

    assert routes.match("POST", "/v1/checkout", []) is checkout
    with pytest.raises(MethodNotAllowed) as refused:
        routes.match("GET", "/v1/checkout", [])
    assert refused.value.route is checkout and refused.value.allowed == ["POST"]
    assert routes.match("GET", "/v1/checkouts", []).id == "default"


def test_a_route_that_is_not_exclusive_lets_other_methods_fall_through():
    routes = matcher(Route(id="checkout", prefix="/v1/checkout", upstream="checkout", methods=frozenset({"POST"})))

    assert routes.match("GET", "/v1/checkout", []).id == "default"
