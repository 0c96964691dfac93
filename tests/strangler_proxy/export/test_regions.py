from __future__ import annotations

from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from strangler_proxy.export.regions import Location, Region, regions
from strangler_proxy.routing.match import MethodNotAllowed, RouteMatcher
from strangler_proxy.table import Route, RouteTable, Upstream

CATCH_ALL = Route(id="default", prefix="/", upstream="monolith")
UPSTREAMS = {name: Upstream(name, f"http://127.0.0.1:{port}", f"{name.upper()}_URL")
             for name, port in (("monolith", 8000), ("checkout", 8001), ("beta", 8002))}


def table(*routes: Route) -> RouteTable:
    return RouteTable(routes=(*routes, CATCH_ALL), upstreams=UPSTREAMS)


def nginx_decides(found: list[Region], method: str, path: str, headers: Mapping[str, str]) -> str:
    """What nginx does with the exported locations: the exact location, else the longest prefix one;
    then the first step of its decision that takes the request. A route id, or '405 <route id>'."""
    exact = [(region, location) for region in found for location in region.locations
             if location.modifier == "=" and location.path == path]
    prefixed = [(region, location) for region in found for location in region.locations
                if location.modifier != "=" and path.startswith(location.path)]
    region, _ = exact[0] if exact else max(prefixed, key=lambda pair: len(pair[1].path))
    for step in region.steps:
        if (not step.methods or method in step.methods) and all(headers.get(n) == v for n, v in step.headers):
            return f"405 {step.route.id}" if step.refuse else step.route.id
    raise AssertionError(f"no step of {region.locations} takes {method} {path}")


def proxy_decides(routes: RouteTable, method: str, path: str, headers: Mapping[str, str]) -> str:
    try:
        return RouteMatcher(routes).match(method, path, headers).id
    except MethodNotAllowed as refused:
        return f"405 {refused.route.id}"


def locations_of(found: list[Region]) -> list[Location]:
    return [location for region in found for location in region.locations]


def test_a_prefix_becomes_an_exact_location_and_one_for_everything_below_it():
    orders = Route(id="orders", prefix="/v1/orders", upstream="checkout")

    assert locations_of(regions(table(orders))) == [Location("/v1/orders", "="), Location("/v1/orders/", "^~"),
                                                    Location("/", "")]


def test_a_prefix_ending_in_a_slash_becomes_only_the_location_below_it():
    static = Route(id="static", prefix="/static/", upstream="monolith")

    assert locations_of(regions(table(static))) == [Location("/static/", "^~"), Location("/", "")]


def test_a_shorter_prefix_earlier_in_the_table_decides_first_at_a_longer_prefixs_location():
    """nginx picks /v1/orders's location for DELETE /v1/orders/1, but the table says /v1/ DELETE comes first."""
    deletes = Route(id="deletes", prefix="/v1/", upstream="beta", methods=frozenset({"DELETE"}))
    orders = Route(id="orders", prefix="/v1/orders", upstream="checkout", methods=frozenset({"GET"}), exclusive=True)
    routes = table(deletes, orders)

    found = regions(routes)

    assert nginx_decides(found, "DELETE", "/v1/orders/1", {}) == "deletes"
    assert nginx_decides(found, "GET", "/v1/orders/1", {}) == "orders"
    assert nginx_decides(found, "POST", "/v1/orders", {}) == "405 orders"
    assert nginx_decides(found, "DELETE", "/v1/ordersx", {}) == "deletes"
    assert nginx_decides(found, "GET", "/v1/ordersx", {}) == "default"


def test_an_exclusive_route_with_headers_refuses_only_the_requests_carrying_them():
    ops = Route(id="ops", prefix="/admin-api", upstream="beta", methods=frozenset({"GET"}),
                headers=(("x-team", "ops"),), exclusive=True)
    found = regions(table(ops))

    assert nginx_decides(found, "GET", "/admin-api/x", {"x-team": "ops"}) == "ops"
    assert nginx_decides(found, "POST", "/admin-api/x", {"x-team": "ops"}) == "405 ops"
    assert nginx_decides(found, "POST", "/admin-api/x", {}) == "default"


def test_locations_with_the_same_decision_share_it():
    orders = Route(id="orders", prefix="/v1/orders", upstream="checkout", methods=frozenset({"GET"}))

    found = regions(table(orders))

    assert [region.locations for region in found] == [
        (Location("/v1/orders", "="), Location("/v1/orders/", "^~")), (Location("/", ""),)]


def test_a_route_filtering_on_a_header_nginx_drops_takes_no_step():
    underscored = Route(id="underscored", prefix="/x", upstream="beta", headers=(("x_flag", "1"),))

    found = regions(table(underscored))

    assert nginx_decides(found, "GET", "/x", {"x_flag": "1"}) == "default"


def test_locations_under_the_proxys_own_prefix_are_left_out():
    admin = Route(id="admin", prefix="/_strangler", upstream="beta")

    assert locations_of(regions(table(admin))) == [Location("/_strangler", "="), Location("/", "")]


SEGMENTS = ["a", "b", "ab", "c"]
PATHS = st.lists(st.sampled_from(SEGMENTS), max_size=3).flatmap(
    lambda segments: st.sampled_from(["", "/"]).map(lambda slash: ("/" + "/".join(segments) + slash).replace("//", "/")))
HEADERS = [("x-h", "1"), ("x-h", "2"), ("x-k", "1")]
ROUTES = st.builds(
    lambda number, prefix, methods, headers, exclusive: Route(
        id=f"r{number}", prefix=prefix, upstream="beta", methods=frozenset(methods),
        headers=tuple(sorted(dict(headers).items())), exclusive=exclusive and bool(methods)),
    st.integers(0, 10**6), PATHS, st.sets(st.sampled_from(["GET", "POST", "DELETE"]), max_size=2),
    st.lists(st.sampled_from(HEADERS), max_size=2), st.booleans())
REQUEST_HEADERS = st.dictionaries(st.sampled_from(["x-h", "x-k"]), st.sampled_from(["1", "2"]))


@settings(max_examples=400, deadline=None)
@given(st.lists(ROUTES, max_size=6, unique_by=lambda route: route.id), PATHS,
       st.sampled_from(["GET", "HEAD", "POST", "DELETE", "PUT"]), REQUEST_HEADERS)
def test_nginx_decides_every_request_as_the_proxys_first_match_scan_does(routes, path, method, headers):
    routes_table = table(*(route for route in routes if route.prefix != "/" or route.methods or route.headers))

    assert nginx_decides(regions(routes_table), method, path, headers) == proxy_decides(routes_table, method, path,
                                                                                          headers)
