from pathlib import Path

import pytest

from strangler_proxy.configuration.errors import RouteTableInvalid
from strangler_proxy.configuration.loader import DEFAULT_ROUTES_FILE, load_route_table, routes_path
from strangler_proxy.routing.match import MethodNotAllowed, RouteMatcher

MONOLITH = {"MONOLITH_URL": "http://127.0.0.1:8000"}


SHIPPED = {"MONOLITH_URL": "http://127.0.0.1:8000", "CHECKOUT_URL": "http://127.0.0.1:8010",
           "CATALOG_UPSTREAM_URL": "http://127.0.0.1:8020"}


def test_the_shipped_table_sends_checkout_orders_and_their_admin_to_the_checkout_and_the_rest_to_the_monolith():
    table = load_route_table(DEFAULT_ROUTES_FILE, SHIPPED)

    moved = {route.id for route in table.routes if route.upstream == "checkout"}
    assert moved == {"checkout", "orders", "checkout-admin"}
    assert {route.upstream for route in table.routes if route.id not in moved} == {"monolith"}
    assert table.upstreams["monolith"].url == "http://127.0.0.1:8000"
    assert (table.routes[-1].id, table.routes[-1].prefix) == ("default", "/")
    assert {"/v1/nlu", "/v1/checkout", "/v1/orders", "/v1/products", "/static/"} <= {r.prefix for r in table.routes}
    assert table.default_anonymous_plan in table.plans


def test_the_shipped_table_routes_the_monoliths_surface_to_its_routes():
    matcher = RouteMatcher(load_route_table(DEFAULT_ROUTES_FILE, SHIPPED))

    assert matcher.match("POST", "/v1/checkout", []).id == "checkout"
    with pytest.raises(MethodNotAllowed):  # the monolith's legacy checkout is out of reach
        matcher.match("GET", "/v1/checkout", [])
    assert matcher.match("GET", "/v1/orders/5f1c", []).id == "orders"
    assert matcher.match("GET", "/static/app.css", []).id == "static"
    assert matcher.match("POST", "/admin/checkout/login/", []).id == "checkout-admin"
    assert matcher.match("GET", "/admin/", []).id == "default"  # the monolith's own admin stays there


def test_the_shipped_table_without_upstream_urls_fails_naming_each_variable():
    with pytest.raises(RouteTableInvalid) as raised:
        load_route_table(DEFAULT_ROUTES_FILE, {})

    assert raised.value.errors == [
        "upstream 'monolith': environment variable MONOLITH_URL is not set; "
        "set it to the service's base URL, e.g. http://127.0.0.1:8002",
        "upstream 'checkout': environment variable CHECKOUT_URL is not set; "
        "set it to the service's base URL, e.g. http://127.0.0.1:8002",
        "upstream 'catalog': environment variable CATALOG_UPSTREAM_URL is not set; "
        "set it to the service's base URL, e.g. http://127.0.0.1:8002"]
    assert "MONOLITH_URL" in str(raised.value) and "CHECKOUT_URL" in str(raised.value)


def test_the_error_message_lists_every_error_one_per_line(tmp_path):
    path = tmp_path / "routes.toml"
    path.write_text('[upstreams.monolith]\nurl_env = "MONOLITH_URL"\n\n[[routes]]\nid = "x"\nprefix = "x"\n'
                    'upstream = "monolit"\n')

    with pytest.raises(RouteTableInvalid) as raised:
        load_route_table(path, MONOLITH)

    assert str(raised.value).splitlines() == [
        f"route table {path} is invalid (2 errors):",
        "  - route 'x': prefix 'x' must start with '/'; write '/x'",
        "  - route 'x' names upstream 'monolit'; known upstreams: monolith",
    ]


def test_a_toml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "routes.toml"
    path.write_text('max_body_bytes = 10\n\n[[routes]]\nid = "default\n')

    with pytest.raises(RouteTableInvalid) as raised:
        load_route_table(path, MONOLITH)

    [error] = raised.value.errors
    assert error.startswith(f"{path} is not valid TOML: ") and "line 4" in error
    assert error.endswith("; fix the syntax there")


def test_a_missing_file_says_how_to_point_at_the_table(tmp_path):
    with pytest.raises(RouteTableInvalid) as raised:
        load_route_table(tmp_path / "nope.toml", MONOLITH)

    assert raised.value.errors == [f"{tmp_path / 'nope.toml'} does not exist; point ROUTES_FILE at the route table, "
                                   "or unset it to use the shipped one"]


def test_a_file_that_is_not_utf8_is_an_error(tmp_path):
    path = tmp_path / "routes.toml"
    path.write_bytes(b'# caf\xe9\n')

    with pytest.raises(RouteTableInvalid, match="is not UTF-8 text; save it as UTF-8"):
        load_route_table(path, MONOLITH)


@pytest.mark.parametrize("environ, expected", [
    ({}, DEFAULT_ROUTES_FILE),
    ({"ROUTES_FILE": ""}, DEFAULT_ROUTES_FILE),
    ({"ROUTES_FILE": "/etc/strangler/routes.toml"}, Path("/etc/strangler/routes.toml")),
])
def test_the_table_path_is_routes_file_else_the_shipped_table(environ, expected):
    assert routes_path(environ) == expected
