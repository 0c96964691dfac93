"""The fault runs' figures as a reader sees them: each timing beside its bound, over it or not."""

from __future__ import annotations

import math

import pytest

from tests.extracted.checkout.faults.report import Figure, RunFigures

pytestmark = pytest.mark.fault


def test_a_timing_within_its_bound_shows_the_bound_alone():
    line = Figure("last acceptance to every order finished", 12.34, "s", 45.0).line()
    assert "12.3 s" in line and line.endswith("(bound 45 s)")


def test_a_timing_over_its_bound_says_so_beside_it():
    figure = Figure("last acceptance to every order finished", 50.0, "s", 45.0)
    assert figure.over_bound
    assert figure.line().endswith("50.0 s    (bound 45 s, over it)")


def test_a_timing_whose_event_never_came_reads_never_and_over():
    figure = Figure("restart to the first order begun after it finished", math.inf, "s", 30.0)
    assert figure.over_bound
    assert " never " in figure.line() and "inf" not in figure.line()


def test_a_run_lists_its_outcome_and_figures_under_the_tests_name_in_the_order_taken():
    run = RunFigures("test_kills", outcome="40 accepted: 40 confirmed; 0 problem(s)")
    run.seconds("last acceptance to every order finished", 9.0, bound=45.0)
    run.count("worker kills", 11)
    lines = run.lines()
    assert lines[0] == "test_kills"
    assert lines[1] == "    40 accepted: 40 confirmed; 0 problem(s)"
    assert lines[2].startswith("    last acceptance to every order finished") and "9.0 s" in lines[2]
    assert lines[3].split() == ["worker", "kills", "11"]
