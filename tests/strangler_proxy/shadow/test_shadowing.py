"""Shadowing a route through a real proxy: the client always gets the primary's answer, the candidate a
copy; the field the candidate answers differently is reported and the field that differs on every answer
is found to be noise; writes are not copied by default; the diffs command shows it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from tests.strangler_proxy.control.conftest import clear_live_states
from tests.strangler_proxy.control.support import moving_route_table, strangler
from tests.strangler_proxy.upstreams.processes import Running, received, start_echo, start_proxy
from tests.support.waiting import wait_until

ROUTES = moving_route_table("CANDIDATE_URL")


@pytest.fixture
def candidate() -> Iterator[Running]:
    """A stand-in for the extracted service: the echo upstream, answering with an extra `flavour` field."""
    running = start_echo(ECHO_FLAVOUR="new")
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def no_live_states(redis_client) -> Iterator[None]:
    clear_live_states(redis_client)
    yield
    clear_live_states(redis_client)


def test_a_shadowed_route_reports_the_differing_field_and_not_the_noisy_one(echo, candidate, tmp_path):
    table = tmp_path / "shadow-routes.toml"
    table.write_text(ROUTES)
    env = {"ROUTES_FILE": str(table), "ECHO_URL": echo.url, "CANDIDATE_URL": candidate.url}
    proxy = start_proxy(tmp_path, ROUTES, **env)
    try:
        assert strangler(env, "shadow", "items", "--candidate", "orders").returncode == 0
        wait_until(lambda: _probe(proxy) and received(candidate, "shadow-probe"), timeout=10, interval=0.2,
                   what="the proxy to take the shadow mode and copy a request to the candidate")
        answers = [requests.get(f"{proxy.url}/items/{n}", headers={"X-Test-Id": f"shadow-{n}"}, timeout=10)
                   for n in range(40)]
        assert all(a.status_code == 200 and "flavour" not in a.json() for a in answers)  # the primary's answers
        written = requests.post(f"{proxy.url}/items/write", data=b"{}", headers={"X-Test-Id": "shadow-write"}, timeout=10)
        assert written.status_code == 200

        def report() -> dict:
            found = json.loads(strangler(env, "diffs", "items", "--json").stdout)
            return found if found["counts"]["compared"] >= 41 and found["counts"]["skipped"] >= 1 else {}

        found = wait_until(report, timeout=20, what="every copy to be compared")
    finally:
        proxy.stop()
    fields = {field["path"]: field for field in found["fields"]}
    assert fields["body:$.flavour"]["reported"] and fields["body:$.flavour"]["candidate_rate"] == 1.0
    assert not fields["body:$.served_at"]["reported"] and fields["body:$.served_at"]["noise_rate"] == 1.0
    assert [path for path, field in fields.items() if field["reported"]] == ["body:$.flavour"]
    assert found["counts"]["noise_samples"] >= 5
    # The echo shows what it received, so the copy's own X-Strangler-Shadow differs too: noise, since the
    # primary's second answers (which carry it as well) differ there just as often.
    assert {"body:$.flavour", "body:$.served_at"} <= set(found["samples"][0]["differences"])
    assert not fields["body:$.headers.x-strangler-shadow"]["reported"]
    assert received(candidate, "shadow-write") == []  # a write is not copied unless dry-run is asked for
    printed = strangler(env, "diffs", "items").stdout
    assert "REPORTED" in printed and "body:$.flavour" in printed


def _probe(proxy: Running) -> bool:
    return requests.get(f"{proxy.url}/items/probe", headers={"X-Test-Id": "shadow-probe"}, timeout=10).ok
