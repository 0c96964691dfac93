import pytest

from strangler_proxy.configuration.validator import validate
from strangler_proxy.table import Plan, Route, Upstream
from tests.strangler_proxy.configuration.tables import CATCH_ALL, ENVIRON, PRODUCTS, document, errors_in, route

# ---------------------------------------------------------------- a valid table


def test_a_valid_table_loads_into_the_model_with_urls_from_the_environment():
    table = validate(document(), ENVIRON, source="routes.toml")

    assert table.routes == (Route(id="products", prefix="/v1/products", upstream="catalog"),
                            Route(id="default", prefix="/", upstream="monolith"))
    assert table.upstreams["catalog"] == Upstream("catalog", "http://127.0.0.1:8002", "CATALOG_URL", "/healthz")
    assert table.plans["basic"] == Plan("basic", 5.0, 10)
    assert (table.default_anonymous_plan, table.max_body_bytes, table.source) == ("anonymous", 1_048_576, "routes.toml")


def test_every_optional_route_field_is_read():
    table = validate(document(route(methods=["POST", "GET"], headers={"X-Canary": "1"}, connect_timeout=0.5,
                                    read_timeout=10, anonymous_plan="basic", login_required=True, exclusive=True)), ENVIRON)

    assert table.routes[0] == Route(id="products", prefix="/v1/products", upstream="catalog",
                                    methods=frozenset({"GET", "POST"}), headers=(("x-canary", "1"),),
                                    connect_timeout=0.5, read_timeout=10, anonymous_plan="basic",
                                    login_required=True, exclusive=True)


def test_a_route_names_its_candidate_upstream():
    table = validate(document(route(candidate="monolith")), ENVIRON)

    assert (table.routes[0].upstream, table.routes[0].candidate) == ("catalog", "monolith")


@pytest.mark.parametrize("candidate, error", [
    ("catalog", "route 'products': candidate 'catalog' is the route's upstream already; name the upstream the "
                "route is moving to, or remove candidate"),
    ("nowhere", "route 'products' names upstream 'nowhere'; known upstreams: "),
])
def test_a_candidate_must_be_another_declared_upstream(candidate, error):
    errors = errors_in(document(route(candidate=candidate)))

    assert len(errors) == 1 and errors[0].startswith(error)


def test_a_route_s_judgement_thresholds_are_read_and_checked():
    table = validate(document(route(judge={"alpha": 0.01, "min_requests": 500, "p99_slack": 0.05})), ENVIRON)
    judge = table.routes[0].judge
    assert (judge.alpha, judge.min_requests, judge.p99_slack, judge.p99_ratio) == (0.01, 500, 0.05, 1.5)
    assert errors_in(document(route(judge={"alpha": 5, "speed": 1}))) == [
        "route 'products' judge: unknown key 'speed'; known keys: alpha, min_requests, p99_ratio, p99_slack, max_diff_rate",
        "route 'products' judge: alpha must be a number above 0 and below 1, got 5"]


def test_an_exclusive_route_without_methods_is_refused_with_its_fix():
    assert errors_in(document(route(exclusive=True))) == [
        "route 'products': exclusive = true refuses the methods a route does not list, but it lists none; "
        'add methods = ["GET"] (say), or remove exclusive']


def test_a_route_after_an_exclusive_one_with_the_same_prefix_can_never_match():
    errors = errors_in(document(route(methods=["GET"], exclusive=True),
                                route(id="products-write", methods=["POST"], upstream="monolith")))
    assert len(errors) == 1 and errors[0].startswith("route 'products-write' can never match")


def test_an_upstream_url_loses_its_trailing_slash():
    table = validate(document(), ENVIRON | {"CATALOG_URL": "https://catalog.internal:8443/"})

    assert table.upstreams["catalog"].url == "https://catalog.internal:8443"


def test_a_table_without_plans_or_top_level_settings_takes_the_defaults():
    table = validate({"upstreams": {"monolith": {"url_env": "MONOLITH_URL"}}, "routes": [CATCH_ALL]}, ENVIRON)

    assert (table.plans, table.default_anonymous_plan, table.max_body_bytes) == ({}, None, 1_048_576)


# ---------------------------------------------------------------- all at once


def test_every_error_is_reported_in_one_run():
    """A table with five unrelated mistakes."""
    table = document(route(upstream="catlog", connect_timeout=-1), route(id="orders", prefix="v1/orders"),
                     max_body_bytes=0)

    errors = errors_in(table, {"MONOLITH_URL": "http://127.0.0.1:8000"})

    assert errors == [
        "top level: max_body_bytes must be a whole number of at least 1, got 0",
        "upstream 'catalog': environment variable CATALOG_URL is not set; "
        "set it to the service's base URL, e.g. http://127.0.0.1:8002",
        "route 'products' names upstream 'catlog'; known upstreams: monolith, catalog",
        "route 'products': connect_timeout must be a number of seconds greater than 0, got -1",
        "route 'orders': prefix 'v1/orders' must start with '/'; write '/v1/orders'",
    ]


# ---------------------------------------------------------------- upstreams


def test_a_route_naming_an_unknown_upstream_lists_the_known_ones():
    errors = errors_in(document(route(id="catalog", upstream="catlog")))

    assert errors == ["route 'catalog' names upstream 'catlog'; known upstreams: monolith, catalog"]


def test_an_upstream_whose_variable_is_unset_names_the_variable_to_set():
    errors = errors_in(document(), {"MONOLITH_URL": "http://127.0.0.1:8000"})

    assert errors == ["upstream 'catalog': environment variable CATALOG_URL is not set; "
                      "set it to the service's base URL, e.g. http://127.0.0.1:8002"]


def test_an_upstream_whose_variable_is_empty_says_it_is_empty():
    errors = errors_in(document(), ENVIRON | {"CATALOG_URL": ""})

    assert errors == ["upstream 'catalog': environment variable CATALOG_URL is empty; "
                      "set it to the service's base URL, e.g. http://127.0.0.1:8002"]


def test_a_route_to_a_broken_upstream_is_not_reported_twice():
    errors = errors_in(document(), {"MONOLITH_URL": "http://127.0.0.1:8000", "CATALOG_URL": "catalog:8002"})

    assert len(errors) == 1 and errors[0].startswith("upstream 'catalog': CATALOG_URL='catalog:8002'")


@pytest.mark.parametrize("url, fix", [
    ("ftp://127.0.0.1:8002", "must be an http:// or https:// URL, e.g. http://127.0.0.1:8002"),
    ("127.0.0.1:8002", "must be an http:// or https:// URL, e.g. http://127.0.0.1:8002"),
    ("http://", "has no host; use a base URL such as http://127.0.0.1:8002"),
    ("http://127.0.0.1:80x", "is not a valid URL; use a base URL such as http://127.0.0.1:8002"),
    ("http://user:secret@catalog:8002", "must not carry credentials; use http://catalog:8002"),
    ("http://catalog:8002/api", "must be a base URL with no path, query or fragment "
                                "(the request's own path is appended); use http://catalog:8002"),
    ("http://catalog:8002?x=1", "must be a base URL with no path, query or fragment "
                                "(the request's own path is appended); use http://catalog:8002"),
    ("http://catalog:8002/#top", "must be a base URL with no path, query or fragment "
                                 "(the request's own path is appended); use http://catalog:8002"),
])
def test_an_upstream_url_must_be_an_http_base_url(url, fix):
    errors = errors_in(document(), ENVIRON | {"CATALOG_URL": url})

    assert errors == [f"upstream 'catalog': CATALOG_URL={url!r} {fix}"]


def test_an_upstream_with_a_url_key_is_told_that_urls_come_from_the_environment():
    table = document(upstreams={"monolith": {"url_env": "MONOLITH_URL"}, "catalog": {"url": "http://catalog"}})

    assert errors_in(table) == [
        "upstream 'catalog': unknown key 'url'; upstream URLs come from the environment; "
        'write url_env = "CATALOG_URL" and set that variable to the URL',
    ]


def test_an_upstream_without_url_env_says_what_to_add():
    table = document(upstreams={"monolith": {"url_env": "MONOLITH_URL"}, "catalog": {}})

    assert errors_in(table) == ["upstream 'catalog': missing required key 'url_env'; add url_env = \"CATALOG_URL\""]


def test_an_upstream_url_env_must_be_an_upper_case_variable_name():
    table = document(upstreams={"monolith": {"url_env": "MONOLITH_URL"}, "catalog": {"url_env": "catalog-url"}})

    assert errors_in(table) == [
        "upstream 'catalog': url_env 'catalog-url' must name an environment variable in upper case, "
        "e.g. 'CATALOG_URL'",
    ]


def test_an_upstream_health_path_must_start_with_a_slash():
    upstreams = {"monolith": {"url_env": "MONOLITH_URL"}, "catalog": {"url_env": "CATALOG_URL", "health_path": "up"}}

    assert errors_in(document(upstreams=upstreams)) == [
        "upstream 'catalog': health_path 'up' must start with '/'; write '/up'",
    ]


def test_an_upstream_must_be_a_table():
    errors = errors_in(document(upstreams={"monolith": {"url_env": "MONOLITH_URL"}, "catalog": "http://x"}))

    assert errors == ['upstream \'catalog\': must be a table like { url_env = "CATALOG_URL" }, '
                      "got the string 'http://x'"]


def test_a_table_without_upstreams_says_what_to_add():
    errors = errors_in({"routes": [CATCH_ALL]})

    assert errors[0] == ("top level: missing required key 'upstreams'; "
                         'add [upstreams.monolith] with url_env = "MONOLITH_URL"')


# ---------------------------------------------------------------- route fields


def test_a_prefix_must_start_with_a_slash():
    errors = errors_in(document(route(id="x", prefix="v1/x")))

    assert errors == ["route 'x': prefix 'v1/x' must start with '/'; write '/v1/x'"]


@pytest.mark.parametrize("prefix, normal", [
    ("/v1//products", "/v1/products"),
    ("/v1/./products", "/v1/products"),
    ("/v1/x/../products", "/v1/products"),
])
def test_a_prefix_must_be_a_normalised_path(prefix, normal):
    errors = errors_in(document(route(prefix=prefix)))

    assert errors == [f"route 'products': prefix {prefix!r} is not a normalised path, "
                      f"so no request matches it; write {normal!r}"]


def test_a_prefix_climbing_above_the_root_can_never_match():
    errors = errors_in(document(route(prefix="/v1/../..")))

    assert errors == ["route 'products': prefix '/v1/../..' can never match: '..' climbs above the root; "
                      "remove the '..'"]


@pytest.mark.parametrize("prefix, stray", [("/v1/café", "é"), ("/v1/a b", " "), ("/v1/%61", "%"),
                                           ("/v1/x?y=1", "=?"), ("/v1;x", ";")])
def test_a_prefix_may_only_use_characters_a_normalised_path_keeps_unescaped(prefix, stray):
    errors = errors_in(document(route(prefix=prefix)))

    assert errors == [f"route 'products': prefix {prefix!r} may contain only letters, digits, '-', '.', '_', '~' "
                      f"and '/', since other characters stay percent-encoded in the paths routes match; "
                      f"remove {stray!r}"]


def test_duplicate_route_ids_are_reported_with_their_positions():
    errors = errors_in(document(route(prefix="/v1/products"), route(prefix="/v1/catalog")))

    assert errors == ["route id 'products' is used by routes #1, #2; give each route its own id"]


def test_a_misspelt_key_names_the_key_likely_meant_and_is_not_also_reported_missing():
    misspelt = {"id": "catalog", "prefix": "/v1/products", "upstrem": "catalog"}

    assert errors_in(document(misspelt)) == ["route 'catalog': unknown key 'upstrem'; did you mean 'upstream'?"]


def test_an_unknown_key_unlike_any_lists_the_known_keys():
    errors = errors_in(document(route(weight=10)))

    assert errors == ["route 'products': unknown key 'weight'; known keys: id, prefix, upstream, methods, headers, "
                      "connect_timeout, read_timeout, anonymous_plan, login_required, exclusive, candidate, shadow_ignore, judge"]


def test_an_unknown_top_level_key_names_the_key_likely_meant():
    errors = errors_in(document() | {"max_body_byte": 10})

    assert errors == ["top level: unknown key 'max_body_byte'; did you mean 'max_body_bytes'?"]


def test_a_route_without_an_id_is_named_by_its_position_and_told_what_to_add():
    errors = errors_in(document(route(id=None)))

    assert errors == ['route #1: missing required key \'id\'; add id = "orders"']


@pytest.mark.parametrize("field, value, expected", [
    ("connect_timeout", "5", "connect_timeout must be a number of seconds greater than 0, got the string '5'"),
    ("read_timeout", True, "read_timeout must be a number of seconds greater than 0, got true"),
    ("read_timeout", float("inf"), "read_timeout must be a number of seconds greater than 0, got inf"),
    ("login_required", "yes", "login_required must be true or false, got the string 'yes'"),
    ("methods", "POST", "methods must be an array of strings, got the string 'POST'"),
    ("headers", {"x-canary": 1}, 'headers must be a table of strings, e.g. { "x-canary" = "1" }, got a table'),
    ("upstream", ["catalog"], "upstream must be a non-empty string, got an array"),
    ("anonymous_plan", 3, "anonymous_plan must be a non-empty string, got 3"),
])
def test_a_field_of_the_wrong_type_says_what_it_must_be(field, value, expected):
    errors = errors_in(document(route(**{field: value})))

    assert errors == [f"route 'products': {expected}"]


def test_a_route_with_an_empty_id_is_named_by_its_position():
    errors = errors_in(document(route(id="")))

    assert errors == ["route #1: id must be a non-empty string, got the string ''"]


@pytest.mark.parametrize("field", ["connect_timeout", "read_timeout"])
@pytest.mark.parametrize("value", [0, -1, -0.5])
def test_a_timeout_must_be_positive(field, value):
    errors = errors_in(document(route(**{field: value})))

    assert errors == [f"route 'products': {field} must be a number of seconds greater than 0, got {value!r}"]


def test_a_lower_case_method_is_shown_in_upper_case():
    errors = errors_in(document(route(methods=["post"])))

    assert errors == ["route 'products': method 'post' must be written in upper case: 'POST'"]


def test_an_unknown_method_lists_the_methods_a_route_can_filter_on():
    errors = errors_in(document(route(methods=["GET", "PSOT"])))

    assert errors == ["route 'products': method 'PSOT' is not one a route can filter on; "
                      "use GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"]


def test_an_empty_methods_list_is_an_error_since_it_matches_nothing():
    errors = errors_in(document(route(methods=[])))

    assert errors == ["route 'products': methods = [] matches no request; remove the key to match every method"]


def test_a_header_name_given_twice_in_different_cases_is_an_error():
    errors = errors_in(document(route(headers={"X-Canary": "1", "x-canary": "2"})))

    assert errors == ["route 'products': header 'x-canary' is given twice (header names ignore case); keep one"]


def test_a_header_name_must_be_an_http_token():
    errors = errors_in(document(route(headers={"x canary": "1"})))

    assert errors == ["route 'products': header name 'x canary' is not a valid HTTP header name; "
                      "use letters, digits and '-'"]


def test_a_header_value_must_be_printable_ascii():
    errors = errors_in(document(route(headers={"x-canary": "1\r\nx-admin: 1"})))

    assert errors == ["route 'products': header 'x-canary': value '1\\r\\nx-admin: 1' must be printable ASCII"]


@pytest.mark.parametrize("table, where", [
    (document(route(id="prod ucts")), "route 'prod ucts'"),
    (document(upstreams={"monolith": {"url_env": "MONOLITH_URL"}, "catalog": {"url_env": "CATALOG_URL"},
                         "bad name": {"url_env": "CATALOG_URL"}}), "upstream 'bad name'"),
    (document(plans={"anonymous": {"rate": 1, "burst": 1}, "bad name": {"rate": 1, "burst": 1}}), "plan 'bad name'"),
])
def test_names_may_only_use_letters_digits_dashes_underscores_and_dots(table, where):
    assert errors_in(table) == [f"{where}: the name may contain only letters, digits, '-', '_' and '.', "
                                "starting with a letter or digit; rename it"]


# ---------------------------------------------------------------- plans


def test_a_route_naming_an_unknown_plan_lists_the_known_plans():
    errors = errors_in(document(route(anonymous_plan="premum")))

    assert errors == ["route 'products' names plan 'premum'; known plans: anonymous, basic"]


def test_an_unknown_default_plan_lists_the_known_plans():
    errors = errors_in(document(default_anonymous_plan="anon"))

    assert errors == ["top level: default_anonymous_plan names plan 'anon'; known plans: anonymous, basic"]


def test_naming_a_plan_when_none_is_declared_says_where_to_declare_it():
    errors = errors_in(document(route(anonymous_plan="basic"), plans={}, default_anonymous_plan=None))

    assert errors == ["route 'products' names plan 'basic'; no plans are declared; declare it under [plans]"]


@pytest.mark.parametrize("plan, expected", [
    ({"rate": 0, "burst": 10}, "rate must be a number of requests per second greater than 0, got 0"),
    ({"rate": 5, "burst": 1.5}, "burst must be a whole number of at least 1, got 1.5"),
    ({"rate": 5}, "missing required key 'burst'; add burst = 10"),
    ({"rate": 5, "brust": 10}, "unknown key 'brust'; did you mean 'burst'?"),
])
def test_a_plan_needs_a_positive_rate_and_burst(plan, expected):
    errors = errors_in(document(plans={"anonymous": plan}))

    assert errors == [f"plan 'anonymous': {expected}"]


# ---------------------------------------------------------------- the catch-all and route order


def test_a_table_without_a_catch_all_says_which_route_to_add_at_the_end():
    table = document() | {"routes": [PRODUCTS]}

    assert errors_in(table) == [
        "the last route must be the catch-all: prefix '/' to 'monolith' with no methods or headers; "
        "route 'products' is last; add [[routes]] with id = \"default\", prefix = \"/\", upstream = \"monolith\" "
        "at the end",
    ]


def test_a_catch_all_with_a_methods_filter_is_not_a_catch_all():
    table = document() | {"routes": [PRODUCTS, CATCH_ALL | {"methods": ["GET"]}]}

    assert errors_in(table)[0].startswith("the last route must be the catch-all: prefix '/' to 'monolith'")


def test_an_empty_route_list_is_told_to_add_the_catch_all():
    errors = errors_in(document() | {"routes": []})

    assert errors == ["the last route must be the catch-all: prefix '/' to 'monolith' with no methods or headers; "
                      "there are no routes; add [[routes]] with id = \"default\", prefix = \"/\", "
                      "upstream = \"monolith\" at the end"]


def test_a_catch_all_before_other_routes_is_reported_once_not_once_per_hidden_route():
    table = document() | {"routes": [CATCH_ALL, PRODUCTS, route(id="orders", prefix="/v1/orders"),
                                     CATCH_ALL | {"id": "last"}]}

    assert errors_in(table) == [
        "route 'default' is a catch-all (prefix '/' with no methods or headers) but is not last, "
        "so no route after it can match; move it to the end",
    ]


def test_a_broken_last_route_is_not_also_reported_as_a_missing_catch_all():
    errors = errors_in(document() | {"routes": [PRODUCTS, CATCH_ALL | {"upstrem": "monolith"}]})

    assert errors == ["route 'default': unknown key 'upstrem'; did you mean 'upstream'?"]


@pytest.mark.parametrize("earlier, later", [
    ({"prefix": "/v1/"}, {"prefix": "/v1/orders"}),
    ({"prefix": "/v1/orders"}, {"prefix": "/v1/orders/"}),
    ({"prefix": "/v1/orders"}, {"prefix": "/v1/orders"}),
    ({"prefix": "/v1", "methods": ["GET", "POST"]}, {"prefix": "/v1/orders", "methods": ["POST"]}),
    ({"prefix": "/v1", "methods": ["GET"]}, {"prefix": "/v1/orders", "methods": ["HEAD"]}),
    ({"prefix": "/v1", "headers": {"x-canary": "1"}},
     {"prefix": "/v1/orders", "headers": {"x-canary": "1", "x-beta": "2"}}),
])
def test_a_route_an_earlier_one_fully_shadows_can_never_match(earlier, later):
    table = document(route(id="first") | earlier, route(id="second") | later)

    assert errors_in(table) == ["route 'second' can never match: route 'first' comes before it and matches "
                                "every request it would; move it above 'first' or remove it"]


@pytest.mark.parametrize("earlier, later", [
    ({"prefix": "/v1/orders/"}, {"prefix": "/v1/orders"}),
    ({"prefix": "/v1/orders"}, {"prefix": "/v1/ordersx"}),
    ({"prefix": "/v1", "methods": ["POST"]}, {"prefix": "/v1/orders"}),
    ({"prefix": "/v1", "methods": ["POST"]}, {"prefix": "/v1/orders", "methods": ["GET", "POST"]}),
    ({"prefix": "/v1", "headers": {"x-canary": "1"}}, {"prefix": "/v1/orders"}),
    ({"prefix": "/v1", "headers": {"x-canary": "1"}}, {"prefix": "/v1/orders", "headers": {"x-canary": "2"}}),
])
def test_a_route_only_partly_covered_by_an_earlier_one_is_fine(earlier, later):
    table = validate(document(route(id="first") | earlier, route(id="second") | later), ENVIRON)

    assert [entry.id for entry in table.routes] == ["first", "second", "default"]
