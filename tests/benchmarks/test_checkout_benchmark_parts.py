"""The checkout benchmark's parts that need no servers: percentiles, the schedule, rates and verdicts."""

import pytest

from benchmarks.checkout_load import Answer, Run, closed_loop, paced, percentile, schedule
from benchmarks.checkout_report import (
    LatencySummary,
    SpikeOutcome,
    cpu_ceiling,
    criteria,
    drain_rate,
    ratio,
    spike_lines,
)


def run_of(*latencies_ms: float, errors: int = 0, seconds: float = 1.0) -> Run:
    answers = [Answer(i, 202, f"o{i}", 0.0, ms / 1000) for i, ms in enumerate(latencies_ms)]
    answers += [Answer(100 + i, 503, "", 0.0, 0.001) for i in range(errors)]
    return Run(answers, seconds)


def summary(p99: float, p50: float = 1.0) -> LatencySummary:
    return LatencySummary("x", 100, 0, p50, p99, p99, 10.0)


def spike_of(*, accepted: int = 1000, lost: int = 0, answered_over: float = 10.3) -> SpikeOutcome:
    return SpikeOutcome(sent=1000, accepted=accepted, finished=accepted - lost, lost=lost,
                        accept_seconds=answered_over, drain_seconds=4.2, window_seconds=10.0)


def verdicts(**overrides):
    arguments = {"sync": summary(600.0), "async_": summary(20.0), "throughput": 60.0, "spike": spike_of()}
    return [criterion.verdict for criterion in criteria(**{**arguments, **overrides})]


def test_percentile_is_the_nearest_rank():
    values = list(range(1, 101))
    assert (percentile(values, 0.5), percentile(values, 0.99), percentile(values, 1.0)) == (50, 99, 100)
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([3, 1, 2], 0.5) == 2


@pytest.mark.parametrize("values, fraction", [([], 0.5), ([1.0], 0.0), ([1.0], 1.5)])
def test_percentile_refuses_what_has_no_answer(values, fraction):
    with pytest.raises(ValueError):
        percentile(values, fraction)


def test_schedule_spreads_requests_evenly_from_zero():
    assert schedule(4, 2.0) == [0.0, 0.5, 1.0, 1.5]
    assert len(schedule(1000, 10.0)) == 1000 and schedule(1000, 10.0)[-1] == pytest.approx(9.99)
    assert schedule(0, 10.0) == []


def test_closed_loop_sends_each_request_once_and_counts_failures_as_status_0():
    def send(number):
        if number == 3:
            raise ConnectionError("refused")
        return 202, f"o{number}"
    run = closed_loop(send, clients=3, requests=10)
    assert sorted(answer.number for answer in run.answers) == list(range(10))
    assert run.errors == 1 and [a.status for a in run.answers if a.number == 3] == [0]


def test_paced_sends_every_request_of_the_schedule():
    run = paced(lambda number: (202, f"o{number}"), count=20, seconds=0.0, clients=4)
    assert sorted(answer.order_id for answer in run.ok) == sorted(f"o{i}" for i in range(20))


def test_a_latency_summary_reads_percentiles_of_answered_requests_only():
    result = LatencySummary.of("async", run_of(*range(1, 101), errors=5, seconds=2.0))
    assert (result.requests, result.errors, result.p50_ms, result.p99_ms, result.max_ms) == (105, 5, 50, 99, 100)
    assert result.per_second == 50.0


def test_a_run_with_no_answer_has_no_percentiles_and_no_ratio():
    empty = LatencySummary.of("async", run_of(errors=3))
    assert empty.p99_ms != empty.p99_ms  # NaN
    assert ratio(600.0, empty.p99_ms) is None


def test_the_drain_rate_runs_from_the_worker_ready_to_the_last_order_finished():
    # A FIFO burst: nothing finishes for a while, then everything at once; the rate is over the whole drain.
    finished = [108.0 + i * 0.01 for i in range(200)]
    assert drain_rate(finished, started=100.0) == pytest.approx(200 / 9.99)
    assert drain_rate([], started=100.0) is None and drain_rate([99.0], started=100.0) is None


def test_the_cpu_ceiling_is_one_core_over_the_cpu_per_order():
    assert cpu_ceiling(20.0) == 50.0 and cpu_ceiling(None) is None and cpu_ceiling(0.0) is None


def test_ratio_needs_two_measured_figures():
    assert ratio(600.0, 20.0) == 30.0 and ratio(None, 20.0) is None and ratio(600.0, 0.0) is None


def test_every_target_passes_when_met():
    assert verdicts() == ["PASS"] * 5


def test_an_async_p99_less_than_20_times_lower_misses():
    assert verdicts(async_=summary(31.0))[0] == "MISS"
    assert verdicts(async_=summary(30.0))[0] == "PASS"


def test_throughput_under_50_misses_and_an_unmeasured_one_is_not_applicable():
    assert verdicts(throughput=49.9)[1] == "MISS"
    assert verdicts(throughput=None)[1] == "n/a"


def test_a_spike_with_a_refusal_a_late_answer_or_a_lost_order_misses():
    assert verdicts(spike=spike_of(accepted=999))[2:] == ["MISS", "PASS", "PASS"]
    assert verdicts(spike=spike_of(answered_over=12.5))[2:] == ["PASS", "MISS", "PASS"]
    assert verdicts(spike=spike_of(lost=1))[2:] == ["PASS", "PASS", "MISS"]


def test_the_spike_lines_print_the_drain_time():
    assert spike_lines(spike_of())[1].endswith("4.2 s")
    never = SpikeOutcome(sent=10, accepted=10, finished=9, lost=1, accept_seconds=1.0, drain_seconds=None)
    assert spike_lines(never)[1].endswith("never drained")
