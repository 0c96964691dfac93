from __future__ import annotations

import tomllib
from pathlib import Path

from strangler_proxy.configuration.loader import DEFAULT_ROUTES_FILE, load_route_table
from strangler_proxy.configuration.validator import validate
from strangler_proxy.control.state import RouteState, apply
from strangler_proxy.export.nginx import IDENTITY_HEADERS, render_nginx
from strangler_proxy.identity.headers import IDENTITY_PREFIXES, is_identity_header
from strangler_proxy.table import Mode, RouteTable, Writes
from tests.strangler_proxy.export.nginx_process import check_config
from tests.strangler_proxy.export.tables import CATCH_ALL, MOVING, PARITY

URLS = {"EXPORT_MONOLITH_URL": "http://127.0.0.1:8000", "EXPORT_CHECKOUT_URL": "https://127.0.0.1:8443",
        "EXPORT_BETA_URL": "http://[::1]:8002/"}
# What the parity table lacks: a route only signed-in callers may use, and one filtering on a header
# name nginx drops.
EVERY_KIND = PARITY.removesuffix(CATCH_ALL) + """
[[routes]]
id = "export-private"
prefix = "/private/"
upstream = "beta"
login_required = true

[[routes]]
id = "export-underscored"
prefix = "/flags"
headers = { "x_flag" = "1" }
upstream = "beta"
""" + CATCH_ALL
LIVE = {"export-menu": RouteState(upstream="monolith", candidate="beta", mode=Mode.CANARY, percent=12.345),
        "export-legacy": RouteState(upstream="monolith", candidate="checkout", mode=Mode.SHADOW,
                                    writes=Writes.DRY_RUN)}


def every_kind() -> RouteTable:
    return apply(validate(tomllib.loads(EVERY_KIND), URLS, source="every-kind.toml"), LIVE)


def included(http_file: str) -> str:
    """A whole nginx.conf that includes the export as a deployment would, from its http block."""
    return ("pid nginx.pid;\nevents {}\nhttp {\n"
            + "".join(f"    {kind}_temp_path {kind}_temp;\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                       "scgi"))
            + f"    include {http_file};\n}}\n")


def test_the_shipped_table_passes_nginx_t(nginx: str, tmp_path: Path):
    table = load_route_table(DEFAULT_ROUTES_FILE, {"MONOLITH_URL": "http://127.0.0.1:8000",
                                                   "CHECKOUT_URL": "http://127.0.0.1:8001",
                                                   "CATALOG_UPSTREAM_URL": "http://127.0.0.1:8002"})

    checked = check_config(nginx, render_nginx(table, listen="127.0.0.1:8080", standalone=True).text, tmp_path)

    assert checked.returncode == 0, checked.stderr


def test_a_table_with_every_kind_of_route_passes_nginx_t_whole_and_included(nginx: str, tmp_path: Path):
    (tmp_path / "strangler.conf").write_text(render_nginx(every_kind(), listen="127.0.0.1:8080").text)

    whole = check_config(nginx, render_nginx(every_kind(), listen="127.0.0.1:8080", standalone=True).text,
                         tmp_path / "whole")
    include = check_config(nginx, included(str(tmp_path / "strangler.conf")), tmp_path / "included")

    assert whole.returncode == 0, whole.stderr
    assert include.returncode == 0, include.stderr


def test_canary_shadow_exclusive_and_https_upstreams_become_their_nginx_directives():
    text = render_nginx(every_kind()).text

    assert 'split_clients "${strangler_caller}/export-menu" $strangler_arm_1 {' in text
    assert "12.35% beta;" in text  # the proxy's 0.01 grid, rounded up: the same share of callers
    assert "mirror /_strangler/mirror/export-legacy;" in text
    assert 'if ($request_method !~ "^(?:GET|HEAD)$") {' in text
    assert 'add_header Allow "GET, HEAD, POST" always;' in text
    assert "proxy_pass https://strangler_checkout$request_uri;" in text
    assert "server [::1]:8002;" in text
    assert "proxy_read_timeout 5s;" in text
    assert "underscores_in_headers off;" in text and "ignore_invalid_headers on;" in text


def test_what_nginx_will_not_do_for_the_table_is_listed_and_commented():
    exported = render_nginx(every_kind())

    assert [gap.split(" ", 2)[1] for gap in exported.gaps] == [
        "'export-menu'", "'export-legacy'", "'export-private'", "'export-underscored'"]
    assert any("writes = dry-run is not reproduced" in gap for gap in exported.gaps)
    for gap in exported.gaps:
        assert f"#   - {gap}" in exported.text


def test_a_table_without_filters_or_live_states_needs_no_maps_but_the_request_ids():
    table = validate(tomllib.loads(MOVING), URLS)

    directives = [line.strip() for line in render_nginx(table).text.splitlines() if not line.lstrip().startswith("#")]

    assert [line for line in directives if line.startswith(("map ", "split_clients ", "mirror "))] == [
        "map $http_x_request_id $strangler_request_id {"]


def test_the_identity_headers_cleared_by_name_are_ones_the_proxy_strips_and_cover_its_whole_names():
    assert all(is_identity_header(name.encode()) for name in IDENTITY_HEADERS)
    whole_names = {prefix.decode() for prefix in IDENTITY_PREFIXES if not prefix.endswith(b"-")}
    assert whole_names <= {name.lower() for name in IDENTITY_HEADERS}
