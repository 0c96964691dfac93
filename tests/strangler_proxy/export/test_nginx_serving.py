"""nginx running the export of a moving route: a shadow's mirror and a canary's split, with real upstreams."""

from __future__ import annotations

import tomllib
from pathlib import Path

import requests

from strangler_proxy.configuration.validator import validate
from strangler_proxy.control.state import RouteState, apply
from strangler_proxy.forwarding.errors import ForwarderError
from strangler_proxy.table import Mode, RouteTable
from tests.strangler_proxy.export.nginx_process import start_nginx
from tests.strangler_proxy.export.tables import MOVING, upstream_env
from tests.strangler_proxy.upstreams.processes import Running, received, wait_received
from tests.support.waiting import free_port, wait_until


def moving(upstreams: dict[str, Running], live: RouteState) -> RouteTable:
    return apply(validate(tomllib.loads(MOVING), upstream_env(upstreams)), {"export-moving": live})


def answered_by(upstreams: dict[str, Running], tag: str) -> list[str]:
    return [name for name, upstream in upstreams.items() if received(upstream, tag)]


def wait_answered(upstreams: dict[str, Running], tags: list[str]) -> dict[str, list[str]]:
    """The upstreams that logged each of `tags`, once every tag is logged by at least one."""
    def seen() -> dict[str, list[str]] | None:
        found = {tag: answered_by(upstreams, tag) for tag in tags}
        return found if all(found.values()) else None

    return wait_until(seen, timeout=15, what="the upstreams to log every request")


def test_a_shadowed_route_mirrors_reads_to_its_candidate_and_never_writes(
        nginx: str, upstreams: dict[str, Running], tmp_path: Path):
    """export-moving is shadowed to beta: the monolith answers everything, beta gets copies of reads."""
    shadowed = start_nginx(nginx, moving(upstreams, RouteState("monolith", "beta", Mode.SHADOW)), tmp_path)
    try:
        write = requests.post(f"{shadowed.url}/moving/1", data=b"{}", headers={"X-Test-Id": "shadow-post"}, timeout=10)
        read = requests.get(f"{shadowed.url}/moving/1", headers={"X-Test-Id": "shadow-get"}, timeout=10)
        wait_received(upstreams["beta"], "shadow-get")
        seen = wait_answered(upstreams, ["shadow-post", "shadow-get"])
    finally:
        shadowed.stop()

    assert (write.status_code, read.status_code) == (200, 200)
    assert read.json()["method"] == "GET"  # the monolith's answer, not the candidate's
    assert seen["shadow-get"] == ["monolith", "beta"]
    # The write came first: had nginx copied it, beta would have logged it before the read's copy.
    assert seen["shadow-post"] == ["monolith"]


def test_a_canary_keeps_each_caller_on_one_side_and_sends_the_candidate_its_share(
        nginx: str, upstreams: dict[str, Running], tmp_path: Path):
    """export-moving is a canary at 50 % to beta; callers carry the strangler_caller cookie or none."""
    canary = start_nginx(nginx, moving(upstreams, RouteState("monolith", "beta", Mode.CANARY, percent=50)), tmp_path)
    try:
        for caller in range(30):
            for visit in range(2):
                requests.get(f"{canary.url}/moving/x", cookies={"strangler_caller": f"caller-{caller}"},
                             headers={"X-Test-Id": f"canary-{caller}-{visit}"}, timeout=10).raise_for_status()
        for visit in range(4):
            requests.get(f"{canary.url}/moving/x", headers={"X-Test-Id": f"canary-anonymous-{visit}"},
                         timeout=10).raise_for_status()
    finally:
        canary.stop()

    seen = wait_answered(upstreams, [f"canary-{caller}-{visit}" for caller in range(30) for visit in range(2)]
                         + [f"canary-anonymous-{visit}" for visit in range(4)])
    sides = {caller: {visit: seen[f"canary-{caller}-{visit}"] for visit in range(2)} for caller in range(30)}
    assert all(visits[0] == visits[1] and len(visits[0]) == 1 for visits in sides.values()), sides
    assert {visits[0][0] for visits in sides.values()} == {"monolith", "beta"}
    by_address = [seen[f"canary-anonymous-{visit}"] for visit in range(4)]
    assert all(side == by_address[0] and len(side) == 1 for side in by_address), by_address


def test_an_upstream_nginx_cannot_reach_is_answered_as_the_proxy_answers_it(
        nginx: str, upstreams: dict[str, Running], tmp_path: Path):
    """export-moving was promoted to beta, and beta is down."""
    env = {**upstream_env(upstreams), "EXPORT_BETA_URL": f"http://127.0.0.1:{free_port()}"}
    table = apply(validate(tomllib.loads(MOVING), env), {"export-moving": RouteState("beta", fallback="monolith")})
    exported = start_nginx(nginx, table, tmp_path)
    try:
        answer = requests.get(f"{exported.url}/moving", headers={"X-Request-ID": "export-down-0001"}, timeout=10)
    finally:
        exported.stop()

    assert answer.status_code == 502
    assert answer.headers["X-Request-ID"] == "export-down-0001"
    assert answer.json() == {"code": 502, "message": ForwarderError.CONNECT_FAILED.message,
                             "request_id": "export-down-0001"}
