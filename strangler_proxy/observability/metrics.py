"""Prometheus metrics per route and upstream, served at /_strangler/metrics.

    strangler_requests_total{route, upstream, status}              requests answered
    strangler_errors_total{route, upstream, error}                 failures: a ForwarderError name,
                                                                   "rejected" (a stage refused),
                                                                   "proxy_error", or "upstream_5xx"
    strangler_request_duration_seconds{route, upstream}            total time in the proxy (histogram)
    strangler_upstream_duration_seconds{route, upstream}           time spent on the upstream (histogram)

How it is scraped. The proxy runs as several gunicorn worker processes behind one port, and a scrape
lands on any one of them, so every worker writes its values to memory-mapped files in
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode) and the scraped worker adds them all
up. strangler_proxy/server.py creates a fresh directory for each server start when none is given. This
is per-instance telemetry, not request state: each proxy instance (container, dyno) is scraped on its
own and Prometheus sums across instances. Without PROMETHEUS_MULTIPROC_DIR (a single process, e.g. plain
uvicorn) the values live in the process.

Cost. Every prometheus_client update takes a lock, asks the kernel for the pid and writes the mmap; five
of them per request cost more than the rest of the bookkeeping. So finished requests (in batches, from
recorder.py) only add to plain in-process tallies, and `flush()` moves those into the Prometheus values:
every second (app.py), before each exposition, and at shut-down. A scrape therefore sees other workers'
values up to a second late.
"""

from __future__ import annotations

import bisect
import os
from collections import defaultdict

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from strangler_proxy.observability.recorder import Finished, Sink

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST
NO_ROUTE = "none"
FLUSH_SECONDS = 1.0


class _Tally:
    """Observations of one histogram series not yet flushed: a count per bucket (+Inf last) and a sum."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total = 0.0

    def add(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds


class ProxyMetrics(Sink):
    """The proxy's metrics for one process."""

    def __init__(self) -> None:
        # prometheus_client chose its value storage when imported; expose the way it stores.
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ("route", "upstream")
        self.requests = Counter("strangler_requests", "Requests answered by the proxy.",
                                (*labels, "status"), registry=self.registry)
        self.errors = Counter("strangler_errors", "Requests that failed in the proxy or upstream.",
                              (*labels, "error"), registry=self.registry)
        self.duration = Histogram("strangler_request_duration_seconds", "Time from request to answer.",
                                  labels, buckets=BUCKETS, registry=self.registry)
        self.upstream_duration = Histogram("strangler_upstream_duration_seconds",
                                           "Time spent waiting on and reading from the upstream.",
                                           labels, buckets=BUCKETS, registry=self.registry)
        self._requests: defaultdict[tuple[str, str, str], int] = defaultdict(int)
        self._errors: defaultdict[tuple[str, str, str], int] = defaultdict(int)
        self._durations: defaultdict[tuple[str, str], _Tally] = defaultdict(_Tally)
        self._upstream_durations: defaultdict[tuple[str, str], _Tally] = defaultdict(_Tally)

    def take(self, batch: list[Finished]) -> None:
        for entry in batch:
            self.observe(entry)

    def observe(self, entry: Finished) -> None:
        """Count the finished request and record its timings (in memory until the next flush)."""
        series = (entry.route or NO_ROUTE, entry.upstream or NO_ROUTE)
        self._requests[(*series, str(entry.status))] += 1
        self._durations[series].add(entry.seconds)
        if entry.upstream:
            self._upstream_durations[series].add(entry.upstream_ms / 1000)
        error = entry.error or ("upstream_5xx" if entry.status >= 500 else None)
        if error:
            self._errors[(*series, error)] += 1

    def flush(self) -> None:
        """Move the tallies into the Prometheus values (shared with the other workers)."""
        requests, self._requests = self._requests, defaultdict(int)
        errors, self._errors = self._errors, defaultdict(int)
        durations, self._durations = self._durations, defaultdict(_Tally)
        upstream, self._upstream_durations = self._upstream_durations, defaultdict(_Tally)
        for labels, count in requests.items():
            self.requests.labels(*labels).inc(count)
        for labels, count in errors.items():
            self.errors.labels(*labels).inc(count)
        _add_tallies(self.duration, durations)
        _add_tallies(self.upstream_duration, upstream)

    def exposition(self) -> bytes:
        """The text format of every worker's values (or this process's, outside multiprocess mode).

        Reads files in multiprocess mode: call it off the event loop, after `flush()` on it.
        """
        if not self.multiprocess:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)


def _add_tallies(histogram: Histogram, tallies: dict[tuple[str, str], _Tally]) -> None:
    for labels, tally in tallies.items():
        child = histogram.labels(*labels)
        # Histogram.observe adds one observation at a time; its per-bucket values take a count at once.
        # (prometheus_client's Histogram keeps them in _buckets/_sum; tests/strangler_proxy/observability
        # checks the exposition, so an upgrade that moves them fails there.)
        child._sum.inc(tally.total)
        for bucket, count in zip(child._buckets, tally.counts):
            if count:
                bucket.inc(count)
