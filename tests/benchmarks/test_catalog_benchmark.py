"""The catalogue benchmark's parts: the assistant's searches, the wrk script that asks them, the route table
the proxy starts from, and the ratios to the monolith-served figures."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from benchmarks import catalog
from benchmarks.load import run_wrk
from benchmarks.processes import ROOT, read_dotenv
from benchmarks.report import Sample, summarise
from monolith.assistant.nlu import Intent, understand
from strangler_proxy.configuration.loader import load_route_table
from strangler_proxy.control import state

TODAY = date(2026, 12, 7)


def test_each_search_is_what_the_assistant_s_nlu_makes_of_its_phrase():
    for phrase, search in catalog.SEARCHES.items():
        understood = understand(phrase, today=TODAY)
        assert understood.intent is Intent.SEARCH, phrase
        made = {"q": " ".join(understood.words), "category": understood.category,
                "maxPriceCents": understood.max_price_cents}
        assert search == {key: value for key, value in made.items() if value not in (None, "")}, phrase


def test_each_search_becomes_the_api_call_with_the_five_results_the_assistant_shows():
    paths = catalog.search_paths([{"q": "chocolates", "category": "chocolates", "maxPriceCents": 3000},
                                  {"q": "dozen red roses", "category": "flowers"}])
    assert [urlsplit(path).path for path in paths] == ["/v1/products", "/v1/products"]
    assert [parse_qs(urlsplit(path).query) for path in paths] == [
        {"q": ["chocolates"], "category": ["chocolates"], "maxPriceCents": ["3000"], "limit": ["5"]},
        {"q": ["dozen red roses"], "category": ["flowers"], "limit": ["5"]}]


def test_the_benchmark_s_searches_are_all_different_so_each_is_its_own_cache_entry():
    paths = catalog.search_paths()
    assert len(paths) == len(catalog.SEARCHES) == len(set(paths))


@pytest.fixture
def recorded_paths() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that answers 200 to every GET and records its path."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def wrk_path() -> str:
    """wrk; a skip without it locally, a failure in CI (which installs it)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("wrk is not installed; .ci/run installs Debian's wrk package")
    pytest.skip("no wrk on this machine (apt-get install wrk)")


def test_wrk_with_the_generated_script_asks_every_search_in_turn(tmp_path, recorded_paths):
    url, seen = recorded_paths
    paths = catalog.search_paths()
    script = tmp_path / "searches.lua"
    script.write_text(catalog.lua_script(paths))
    result = run_wrk(url + catalog.SEARCH_PATH, connections=1, seconds=1, wrk=wrk_path(), script=script)
    assert result.requests >= len(paths) and result.errors == 0
    # One connection, one thread: the list in turn (wrk calls the script once more before the first request).
    assert set(seen[:len(paths)]) == set(paths)
    assert all(seen[i + len(paths)] == seen[i] for i in range(len(seen) - len(paths)))


def test_the_route_table_adds_the_cached_service_and_the_products_route_can_be_promoted_onto_either(tmp_path):
    env = {**read_dotenv(ROOT / ".env.example"), "CATALOG_CACHED_URL": "http://127.0.0.1:9"}
    table = load_route_table(catalog.table_with_cached_upstream(tmp_path), env)
    kit = load_route_table(ROOT / "strangler_proxy" / "routes.toml", env)
    assert table.upstreams["catalog-cached"].url == "http://127.0.0.1:9"
    assert [route.id for route in table.routes] == [route.id for route in kit.routes]
    products = next(route for route in table.routes if route.id == catalog.ROUTE)
    assert (products.upstream, products.prefix) == ("monolith", catalog.SEARCH_PATH)
    for upstream in catalog.UPSTREAMS.values():
        moved = state.promote(state.canary(state.RouteState.of(products), candidate=upstream, percent=100))
        assert state.problems(state.apply(table, {products.id: moved})) == []
        assert (moved.upstream, moved.fallback) == (upstream, "monolith")


def sample(target: str, connections: int, rps: float, p50: float, p99: float) -> Sample:
    return Sample(target=target, endpoint="search", connections=connections, repeat=0, requests=int(rps),
                  requests_per_second=rps, p50_ms=p50, p99_ms=p99, errors=0, proxy_cpu_us=200.0,
                  monolith_cpu_us=1000.0)


def test_each_configuration_is_shown_with_its_ratios_to_the_monolith_at_the_same_connections():
    rows = summarise([sample("monolith", 32, 100, 10, 40), sample("service", 32, 150, 8, 20),
                      sample("service+cache", 32, 400, 2.5, 10), sample("monolith", 1, 50, 4, 8)])
    lines = catalog.ratio_lines(rows)
    by_name = {(line.split()[0], line.split()[1]): line.split() for line in lines[2:] if line.strip()}
    assert by_name[("service", "32")][2:8] == ["150", "1.50×", "8.00", "0.80×", "20.00", "0.50×"]
    assert by_name[("service+cache", "32")][2:8] == ["400", "4.00×", "2.50", "0.25×", "10.00", "0.25×"]
    assert by_name[("monolith", "1")][2:8] == ["50", "1.00×", "4.00", "1.00×", "8.00", "1.00×"]
    assert ("service", "1") not in by_name
