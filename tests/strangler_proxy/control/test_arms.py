"""A canary's sides: about the share asked for, the same side every time, and monotone in the share."""

from __future__ import annotations

import dataclasses

from strangler_proxy.control.arms import CANDIDATE, arm_of
from strangler_proxy.table import Mode, Route

ORDERS = Route(id="orders", prefix="/v1/orders", upstream="monolith", candidate="orders", mode=Mode.CANARY,
               percent=10.0)
CALLERS = [f"cookie:{number:032x}" for number in range(5000)]


def on_candidate(route: Route) -> set[str]:
    return {caller for caller in CALLERS if arm_of(route, caller) == CANDIDATE}


def test_ten_percent_sends_ten_percent_of_callers_give_or_take_two():
    assert 0.08 <= len(on_candidate(ORDERS)) / len(CALLERS) <= 0.12


def test_a_caller_lands_on_the_same_side_every_time():
    assert on_candidate(ORDERS) == on_candidate(ORDERS)


def test_raising_the_share_moves_nobody_back_to_the_primary():
    at_ten, at_twenty = on_candidate(ORDERS), on_candidate(dataclasses.replace(ORDERS, percent=20.0))
    assert at_ten <= at_twenty and 0.18 <= len(at_twenty) / len(CALLERS) <= 0.22


def test_each_route_draws_its_own_sample_of_callers():
    other = dataclasses.replace(ORDERS, id="checkout")
    assert on_candidate(ORDERS) != on_candidate(other)
