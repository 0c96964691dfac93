"""Prometheus metrics per route and upstream, served at /_strangler/metrics.

    strangler_requests_total{route, upstream, status}              requests answered
    strangler_errors_total{route, upstream, error}                 failures: a ForwarderError name,
                                                                   "rejected" (a stage refused),
                                                                   "proxy_error", or "upstream_5xx"
    strangler_request_duration_seconds{route, upstream}            total time in the proxy (histogram)
    strangler_upstream_duration_seconds{route, upstream}           time spent on the upstream (histogram)

How it is scraped. The proxy runs as several gunicorn worker processes behind one port, and a scrape
lands on any one of them, so every worker writes its running totals to a file of its own in
PROMETHEUS_MULTIPROC_DIR (strangler_proxy/server.py creates a fresh directory for each server start when
none is given) and the scraped worker adds up every file and renders the sums through prometheus_client's
published collector API. A worker's file keeps its totals after it exits, so counters never go back.
This is per-instance telemetry, not request state: each proxy instance (container, dyno) is scraped on
its own and Prometheus sums across instances. Without the directory (a single process) the totals live
in the process.

Cost. Finished requests (in batches, from recorder.py) only add to plain in-process tallies; `flush()`
writes the totals to the worker's file (one small write, replaced atomically): every second (app.py),
before each exposition, and at shut-down. A scrape therefore sees other workers' values up to a second
late. (prometheus_client's own multiprocess values take a lock, the pid and an mmap write per update,
and its histograms take one observation at a time, which cost more than the rest of the bookkeeping.)
"""

from __future__ import annotations

import bisect
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from strangler_proxy.observability.recorder import Finished, Sink

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST
NO_ROUTE = "none"
FLUSH_SECONDS = 1.0
_LABELS = ("route", "upstream")
# name -> (kind, help, extra label); histograms are keyed by (route, upstream) only.
COUNTERS = {
    "strangler_requests": ("Requests answered by the proxy.", "status"),
    "strangler_errors": ("Requests that failed in the proxy or upstream.", "error"),
}
HISTOGRAMS = {
    "strangler_request_duration_seconds": "Time from request to answer.",
    "strangler_upstream_duration_seconds": "Time spent waiting on and reading from the upstream.",
}
Totals = dict[str, dict[str, Any]]


class ProxyMetrics(Sink):
    """The proxy's metrics for one process: its totals, and the exposition of every worker's."""

    def __init__(self, directory: str | None = None) -> None:
        directory = directory if directory is not None else os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        self.directory = Path(directory) if directory else None
        self._file = self.directory / f"worker-{os.getpid()}.json" if self.directory else None
        # Counter name -> label values joined by "\x1f" -> count; histogram name -> series -> [counts..., sum].
        self._totals: Totals = {name: defaultdict(int) for name in COUNTERS}
        self._totals.update({name: {} for name in HISTOGRAMS})
        self._dirty = False

    def take(self, batch: list[Finished]) -> None:
        for entry in batch:
            self.observe(entry)

    def observe(self, entry: Finished) -> None:
        """Count the finished request and record its timings (written out at the next flush)."""
        series = f"{entry.route or NO_ROUTE}\x1f{entry.upstream or NO_ROUTE}"
        totals = self._totals
        totals["strangler_requests"][f"{series}\x1f{entry.status}"] += 1
        _observe(totals["strangler_request_duration_seconds"], series, entry.seconds)
        if entry.upstream:
            _observe(totals["strangler_upstream_duration_seconds"], series, entry.upstream_ms / 1000)
        error = entry.error or ("upstream_5xx" if entry.status >= 500 else None)
        if error:
            totals["strangler_errors"][f"{series}\x1f{error}"] += 1
        self._dirty = True

    def flush(self) -> None:
        """Write this worker's totals where the other workers' scrapes read them."""
        if self._file is None or not self._dirty:
            return
        self._dirty = False
        partial = self._file.with_suffix(".tmp")
        partial.write_bytes(orjson.dumps(self._totals))
        partial.replace(self._file)  # atomic: a scrape never reads half a file

    def exposition(self) -> bytes:
        """The text format of every worker's totals summed (or this process's, without a directory).

        Reads files: call it off the event loop, after `flush()` on it.
        """
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Summed(self._every_workers_totals))
        return generate_latest(registry)

    def _every_workers_totals(self) -> list[Totals]:
        if self.directory is None:
            return [self._totals]
        found = []
        for path in self.directory.glob("worker-*.json"):
            try:
                found.append(orjson.loads(path.read_bytes()))
            except (OSError, orjson.JSONDecodeError):
                continue  # a worker's file replaced while being read: its next flush comes within a second
        return found


def _observe(series_totals: dict[str, list[float]], series: str, seconds: float) -> None:
    counts = series_totals.get(series)
    if counts is None:
        counts = series_totals[series] = [0] * (len(BUCKETS) + 1) + [0.0]
    counts[bisect.bisect_left(BUCKETS, seconds)] += 1
    counts[-1] += seconds


class _Summed:
    """A prometheus_client collector (its published interface: `collect()` yields metric families)."""

    def __init__(self, read: Any) -> None:
        self.read = read

    def collect(self) -> Iterator[Metric]:
        every = self.read()
        for name, (documentation, extra) in COUNTERS.items():
            family = CounterMetricFamily(name, documentation, labels=[*_LABELS, extra])
            for key, count in _summed_counts(totals[name] for totals in every).items():
                family.add_metric(key.split("\x1f"), count)
            yield family
        for name, documentation in HISTOGRAMS.items():
            histogram = HistogramMetricFamily(name, documentation, labels=list(_LABELS))
            for key, counts in _summed_series(totals[name] for totals in every).items():
                histogram.add_metric(key.split("\x1f"), _cumulative(counts[:-1]), sum_value=counts[-1])
            yield histogram


def _summed_counts(parts: Iterable[dict[str, int]]) -> dict[str, int]:
    summed: defaultdict[str, int] = defaultdict(int)
    for part in parts:
        for key, count in part.items():
            summed[key] += count
    return summed


def _summed_series(parts: Iterable[dict[str, list[float]]]) -> dict[str, list[float]]:
    summed: dict[str, list[float]] = {}
    for part in parts:
        for key, counts in part.items():
            into = summed.setdefault(key, [0] * len(counts))
            summed[key] = [a + b for a, b in zip(into, counts, strict=True)]
    return summed


def _cumulative(counts: list[float]) -> list[tuple[str, float]]:
    """Prometheus buckets: (upper bound, observations at or below it), ending with +Inf."""
    buckets, running = [], 0.0
    for bound, count in zip([*map(str, BUCKETS), "+Inf"], counts, strict=True):
        running += count
        buckets.append((bound, running))
    return buckets
