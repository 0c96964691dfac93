"""The saga's state machine, on its own (no Django, no processes)."""

from __future__ import annotations

import pytest

from extracted.checkout.checkout.flow import STEPS, Decision, Status, Step, on_exhausted, on_failure, on_success


def walk(decide, start: Step) -> list[Step]:
    """The steps the saga visits from `start` when every step after it succeeds."""
    visited, step = [start], decide(start).step
    while step is not None and step is not Step.COMPLETED:
        visited.append(step)
        step = on_success(step).step
    return visited + ([Step.COMPLETED] if step else [])


def test_the_happy_path_reserves_authorises_confirms_captures_commits_and_publishes():
    assert walk(on_success, Step.RESERVE_STOCK)[1:] == [
        Step.AUTHORIZE_PAYMENT, Step.CONFIRM_ORDER, Step.CAPTURE_PAYMENT, Step.COMMIT_STOCK, Step.PUBLISH_EVENT,
        Step.COMPLETED]


def test_the_stock_is_committed_only_after_the_capture():
    """A capture refused after confirmation still releases the stock, which a commit would forbid."""
    path = walk(on_success, Step.RESERVE_STOCK)
    assert path.index(Step.COMMIT_STOCK) == path.index(Step.CAPTURE_PAYMENT) + 1


def test_only_confirm_order_sets_the_confirmed_status():
    assert [step for step in STEPS if on_success(step).status is Status.CONFIRMED] == [Step.CONFIRM_ORDER]


def test_out_of_stock_compensates_nothing_and_says_why():
    decision = on_failure(Step.RESERVE_STOCK, Status.OUT_OF_STOCK)
    assert decision == Decision(Step.PUBLISH_EVENT, Status.OUT_OF_STOCK)


def test_a_reservation_that_may_have_happened_is_released():
    assert on_exhausted(Step.RESERVE_STOCK) == Decision(Step.RELEASE_STOCK, Status.FAILED_AFTER_RETRIES)


def test_a_declined_card_releases_the_stock_and_voids_nothing():
    decision = on_failure(Step.AUTHORIZE_PAYMENT, Status.PAYMENT_DECLINED)
    assert decision == Decision(Step.RELEASE_STOCK, Status.PAYMENT_DECLINED)
    assert walk(lambda step: decision, Step.AUTHORIZE_PAYMENT)[1:] == [
        Step.RELEASE_STOCK, Step.PUBLISH_EVENT, Step.COMPLETED]


def test_an_authorisation_that_outlasted_its_budget_is_voided_then_the_stock_released():
    decision = on_exhausted(Step.AUTHORIZE_PAYMENT)
    assert decision.status is Status.FAILED_AFTER_RETRIES
    assert walk(lambda step: decision, Step.AUTHORIZE_PAYMENT)[1:] == [
        Step.VOID_PAYMENT, Step.RELEASE_STOCK, Step.PUBLISH_EVENT, Step.COMPLETED]


@pytest.mark.parametrize("step", [Step.CAPTURE_PAYMENT, Step.COMMIT_STOCK, Step.PUBLISH_EVENT])
def test_after_the_point_of_no_return_a_spent_budget_parks_the_order(step):
    assert on_exhausted(step) == Decision(None)


def test_a_refused_commit_compensates_nothing_and_publishes_the_confirmed_order():
    """The money is captured: a commit the catalogue refuses (units gone) is a person's to look at."""
    assert on_failure(Step.COMMIT_STOCK, Status.FAILED) == Decision(Step.PUBLISH_EVENT)


def test_a_refused_capture_still_compensates_and_fails_the_order():
    assert on_failure(Step.CAPTURE_PAYMENT, Status.FAILED) == Decision(Step.VOID_PAYMENT, Status.FAILED)


@pytest.mark.parametrize("step", [Step.VOID_PAYMENT, Step.RELEASE_STOCK])
def test_a_compensation_that_cannot_finish_moves_on_without_changing_the_status(step):
    assert on_exhausted(step).status is None and on_failure(step, Status.FAILED).status is None
    assert on_exhausted(step).step is on_success(step).step


def test_every_path_ends_in_completed_or_a_park():
    for step in STEPS:
        for decide in (on_success, on_exhausted, lambda s: on_failure(s, Status.FAILED)):
            path = walk(decide, step)
            assert path[-1] is Step.COMPLETED or decide(step).step is None
            assert len(path) <= len(STEPS) + 1  # no cycles
