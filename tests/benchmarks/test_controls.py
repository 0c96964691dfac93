"""The controls benchmark's route table: the kit's own, with the measured route first and its candidate."""

from __future__ import annotations

from benchmarks import controls
from benchmarks.processes import ROOT, read_dotenv
from strangler_proxy.configuration.loader import load_route_table
from strangler_proxy.table import Mode


def test_the_measured_route_comes_first_with_a_judge_that_waits_and_the_kit_s_routes_follow(tmp_path):
    env = {**read_dotenv(ROOT / ".env.example"), "CANDIDATE_URL": "http://127.0.0.1:9"}
    table = load_route_table(controls.table_with_diag_route(tmp_path), env)
    kit = load_route_table(ROOT / "strangler_proxy" / "routes.toml", env)
    first, *rest = table.routes
    assert (first.id, first.prefix, first.upstream, first.mode) == (controls.ROUTE, "/_diag/", "monolith", Mode.NONE)
    assert first.judge.min_requests == 1_000_000_000
    assert [route.id for route in rest] == [route.id for route in kit.routes]
    assert table.upstreams["candidate"].url == "http://127.0.0.1:9"
