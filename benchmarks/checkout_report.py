"""From the checkout benchmark's measurements to its table and its targets (accept p99 ≥ 20× lower than the
synchronous checkout's, ≥ 50 orders/s per worker process, a spike all accepted and drained), PASS or MISS.

    LatencySummary   p50 / p99 / max of one load run's answered requests, with its errors and rate
    drain_rate       orders finished per second, from the worker being ready to the last one finished
    criteria         those targets as report.Criterion lines

A burst drains breadth-first: the queue is FIFO, so every order's first step runs before any order's
second, and most orders finish together in the last pass. Only the whole drain says how many orders a
worker gets through per second; the pace of finishing within the last pass says nothing about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.checkout_load import Run, percentile
from benchmarks.report import Criterion

ACCEPT_P99_RATIO_TARGET = 20.0
THROUGHPUT_TARGET = 50.0


@dataclass(frozen=True)
class LatencySummary:
    label: str
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    per_second: float

    @classmethod
    def of(cls, label: str, run: Run) -> LatencySummary:
        latencies = run.latencies_ms()
        if not latencies:
            return cls(label, len(run.answers), run.errors, float("nan"), float("nan"), float("nan"), 0.0)
        return cls(label, len(run.answers), run.errors, percentile(latencies, 0.5), percentile(latencies, 0.99),
                   max(latencies), len(latencies) / run.seconds if run.seconds > 0 else 0.0)

    def row(self) -> str:
        return (f"{self.label:<34} {self.requests:>8} {self.errors:>7} {self.p50_ms:>9.1f} {self.p99_ms:>9.1f} "
                f"{self.max_ms:>9.1f} {self.per_second:>8.1f}")


LATENCY_HEADER = f"{'POST /v1/checkout':<34} {'requests':>8} {'errors':>7} {'p50 ms':>9} {'p99 ms':>9} " \
                 f"{'max ms':>9} {'req/s':>8}"


def drain_rate(finished: Sequence[float], *, started: float) -> float | None:
    """Orders per second from `started` (the worker ready) to the last of the `finished` times."""
    if not finished or max(finished) <= started:
        return None
    return len(finished) / (max(finished) - started)


def cpu_ceiling(cpu_ms_per_order: float | None) -> float | None:
    """Orders per second one worker process could reach if its own CPU were the only limit (one core,
    the GIL: a threads pool never uses more)."""
    return 1000 / cpu_ms_per_order if cpu_ms_per_order else None


def ratio(slow: float | None, fast: float | None) -> float | None:
    if slow is None or fast is None or fast <= 0 or slow != slow or fast != fast:  # NaN when nothing answered
        return None
    return slow / fast


@dataclass(frozen=True)
class SpikeOutcome:
    """The spike: how many were sent and accepted, how many ended (and were found), and the drain."""

    sent: int
    accepted: int
    finished: int
    lost: int
    accept_seconds: float        # from the first request sent to the last answered
    drain_seconds: float | None  # from the last acceptance to the last order finished
    window_seconds: float = 10.0  # the spike's schedule: all sent within it


def criteria(*, sync: LatencySummary, async_: LatencySummary, throughput: float | None,
             spike: SpikeOutcome) -> list[Criterion]:
    """The targets: async accept p99 ≥ 20× lower, ≥ 50 orders/s per worker process, a spike all
    accepted and drained with none lost."""
    return [
        Criterion("accept p99: sync monolith / async service", ratio(sync.p99_ms, async_.p99_ms),
                  ACCEPT_P99_RATIO_TARGET, "×", True),
        Criterion("saga throughput per worker process (50 ms processor)", throughput, THROUGHPUT_TARGET,
                  " orders/s", True),
        Criterion(f"spike: accepted of {spike.sent}", float(spike.accepted), float(spike.sent), "", True),
        Criterion(f"spike: all answered within its {spike.window_seconds:g} s window + 2 s", spike.accept_seconds,
                  spike.window_seconds + 2, " s", False),
        Criterion("spike: lost (accepted, never finished or missing)", float(spike.lost), 0.0, "", False),
    ]


def spike_lines(spike: SpikeOutcome) -> list[str]:
    drain = "never drained" if spike.drain_seconds is None else f"{spike.drain_seconds:.1f} s"
    return [f"spike: {spike.sent} scheduled over {spike.window_seconds:g} s, answered over "
            f"{spike.accept_seconds:.1f} s: {spike.accepted} accepted (2xx), {spike.finished} finished, "
            f"{spike.lost} lost",
            f"spike: drain time (last acceptance to last order finished): {drain}"]
