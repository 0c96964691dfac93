"""A route's live state and the four changes to it, as pure functions over the table."""

from __future__ import annotations

import pytest

from strangler_proxy.control.state import ChangeRefused, RouteState, apply, canary, problems, promote, rollback, shadow
from strangler_proxy.table import Mode, Route, RouteTable, Upstream, Writes

UPSTREAMS = {name: Upstream(name, f"http://127.0.0.1:{port}", f"{name.upper()}_URL")
             for name, port in (("monolith", 8000), ("orders", 8010))}
TABLE = RouteTable(routes=(Route(id="orders", prefix="/v1/orders", upstream="monolith"),
                           Route(id="default", prefix="/", upstream="monolith")), upstreams=UPSTREAMS)
ON_MONOLITH = RouteState(upstream="monolith")


def test_shadow_gives_the_candidate_copies_and_keeps_the_primary():
    assert shadow(ON_MONOLITH, candidate="orders", writes=Writes.DRY_RUN) == RouteState(
        upstream="monolith", candidate="orders", mode=Mode.SHADOW, writes=Writes.DRY_RUN)


def test_a_canary_takes_a_share_of_callers():
    assert canary(ON_MONOLITH, candidate="orders", percent=10) == RouteState(
        upstream="monolith", candidate="orders", mode=Mode.CANARY, percent=10.0)


@pytest.mark.parametrize("percent", [0, -5, 100.5])
def test_a_canary_outside_0_to_100_is_refused(percent):
    with pytest.raises(ChangeRefused, match="above 0 and at most 100"):
        canary(ON_MONOLITH, candidate="orders", percent=percent)


def test_promote_makes_the_candidate_primary_and_keeps_the_old_one_as_fallback():
    promoted = promote(canary(ON_MONOLITH, candidate="orders", percent=50))
    assert promoted == RouteState(upstream="orders", fallback="monolith")


def test_rollback_drops_the_candidate_and_after_a_promote_restores_the_fallback():
    assert rollback(canary(ON_MONOLITH, candidate="orders", percent=50)) == ON_MONOLITH
    assert rollback(promote(shadow(ON_MONOLITH, candidate="orders"))) == ON_MONOLITH


@pytest.mark.parametrize("change, message", [(promote, "no candidate to promote"), (rollback, "nothing to roll back")])
def test_a_change_with_nothing_to_change_is_refused_with_its_fix(change, message):
    with pytest.raises(ChangeRefused, match=message):
        change(ON_MONOLITH)


def test_states_are_laid_over_the_file_s_routes_by_id():
    in_force = apply(TABLE, {"orders": canary(ON_MONOLITH, candidate="orders", percent=5), "gone": ON_MONOLITH})
    assert (in_force.routes[0].candidate, in_force.routes[0].mode, in_force.routes[0].percent) == ("orders", Mode.CANARY, 5.0)
    assert in_force.routes[1] == TABLE.routes[1]


def test_a_state_naming_an_undeclared_upstream_or_itself_as_candidate_is_a_problem():
    broken = apply(TABLE, {"orders": RouteState(upstream="monolith", candidate="monolith", mode=Mode.SHADOW),
                           "default": RouteState(upstream="catalog")})
    assert problems(broken) == [
        "route 'orders': candidate 'monolith' is the route's upstream already; name another upstream",
        "route 'default': upstream 'catalog' is not a declared upstream; known upstreams: monolith, orders",
    ]


def test_a_state_survives_its_stored_form():
    state = canary(ON_MONOLITH, candidate="orders", percent=12.5)
    assert RouteState.from_dict(state.as_dict()) == state
