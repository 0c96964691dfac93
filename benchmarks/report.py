"""From measurements to the table and the verdicts: medians over repeats, ratios against the proxy's TARGETS.

    Sample      one wrk run against one target
    Row         the medians of one (target, endpoint, connections) over its repeats
    Criterion   one target (say, throughput ≥ 0.8× nginx), its measured value and PASS / MISS
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

TARGET_LABELS = {"direct": "direct", "kit": "kit proxy", "nginx": "nginx", "revproxy": "django-revproxy",
                 "bare": "bare relay"}


@dataclass(frozen=True)
class Sample:
    target: str
    endpoint: str
    connections: int
    repeat: int
    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    # CPU of the proxy's process tree (None for the direct target) and of the monolith's, per request.
    proxy_cpu_us: float | None
    monolith_cpu_us: float | None
    # Machine CPU busy during the run outside the benchmark's own processes (other work on the machine).
    elsewhere_cores: float = 0.0


@dataclass(frozen=True)
class Row:
    target: str
    endpoint: str
    connections: int
    repeats: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    proxy_cpu_us: float | None
    monolith_cpu_us: float | None
    errors: int
    elsewhere_cores: float = 0.0


Key = tuple[str, str, int]


def _median(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def summarise(samples: Sequence[Sample]) -> dict[Key, Row]:
    """One row of medians per (target, endpoint, connections), in the order first measured."""
    groups: dict[Key, list[Sample]] = {}
    for sample in samples:
        groups.setdefault((sample.target, sample.endpoint, sample.connections), []).append(sample)
    return {key: Row(
        target=key[0], endpoint=key[1], connections=key[2], repeats=len(group),
        requests_per_second=_median(s.requests_per_second for s in group) or 0.0,
        p50_ms=_median(s.p50_ms for s in group) or 0.0,
        p99_ms=_median(s.p99_ms for s in group) or 0.0,
        proxy_cpu_us=_median(s.proxy_cpu_us for s in group),
        monolith_cpu_us=_median(s.monolith_cpu_us for s in group),
        errors=sum(s.errors for s in group),
        elsewhere_cores=_median(s.elsewhere_cores for s in group) or 0.0,
    ) for key, group in groups.items()}


@dataclass(frozen=True)
class Criterion:
    what: str
    value: float | None
    limit: float
    unit: str
    at_least: bool  # True: the value must be >= limit; False: <= limit
    # The lowest and highest value over single repeats: how much the machine moved the figure.
    spread: tuple[float, float] | None = None

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "n/a"
        met = self.value >= self.limit if self.at_least else self.value <= self.limit
        return "PASS" if met else "MISS"

    def line(self) -> str:
        shown = "not measured" if self.value is None else f"{self.value:.2f}{self.unit}"
        bound = f"{'≥' if self.at_least else '≤'} {self.limit:g}{self.unit}"
        spread = f"   (repeats {self.spread[0]:.2f} to {self.spread[1]:.2f})" if self.spread else ""
        return f"{self.what:<52} {shown:>14}   target {bound:<10} {self.verdict}{spread}"


def _ratio(numerator: Row | None, denominator: Row | None) -> float | None:
    if numerator is None or denominator is None or denominator.requests_per_second <= 0:
        return None
    return numerator.requests_per_second / denominator.requests_per_second


def _added(field: str, endpoint: str) -> Callable[[dict[Key, Row]], float | None]:
    def added(rows: dict[Key, Row]) -> float | None:
        kit, direct = rows.get(("kit", endpoint, 1)), rows.get(("direct", endpoint, 1))
        return None if kit is None or direct is None else getattr(kit, field) - getattr(direct, field)

    return added


def _throughput_over(peer: str) -> Callable[[dict[Key, Row]], float | None]:
    return lambda rows: _ratio(rows.get(("kit", "fast", 32)), rows.get((peer, "fast", 32)))


def _kit_cpu(rows: dict[Key, Row]) -> float | None:
    kit = rows.get(("kit", "fast", 32))
    return kit.proxy_cpu_us if kit else None


# The targets for the kit's proxy: (what, limit, unit, at least?, how to read it from a run's rows).
TARGETS: list[tuple[str, float, str, bool, Callable[[dict[Key, Row]], float | None]]] = [
    ("throughput kit / nginx (fast, 32 conns)", 0.8, "×", True, _throughput_over("nginx")),
    ("throughput kit / django-revproxy (fast, 32 conns)", 2.5, "×", True, _throughput_over("revproxy")),
    ("kit CPU per proxied request (fast, 32 conns)", 250, " µs", False, _kit_cpu),
    *[(f"kit {field[:3]} added over direct ({endpoint}, 1 conn)", limit, " ms", False, _added(field, endpoint))
      for endpoint in ("fast", "wait") for field, limit in (("p50_ms", 0.5), ("p99_ms", 2.0))],
]


def criteria(rows: dict[Key, Row], samples: Sequence[Sample] = ()) -> list[Criterion]:
    """The TARGETS, measured on the medians; with `samples`, also each one's spread over repeats."""
    repeats = [summarise([s for s in samples if s.repeat == r]) for r in sorted({s.repeat for s in samples})]
    found = []
    for what, limit, unit, at_least, read in TARGETS:
        singles = [value for value in map(read, repeats) if value is not None]
        spread = (min(singles), max(singles)) if len(singles) > 1 else None
        found.append(Criterion(what, read(rows), limit, unit, at_least, spread))
    return found


def orientation(rows: dict[Key, Row]) -> list[str]:
    """The peers against each other, to compare with what they are expected to reach on this kind of
    machine (nginx about 0.8× direct, django-revproxy about 0.3× nginx), and against the bare relay: a
    featureless Python relay on the kit's stack, the ceiling of any Python proxy on this machine
    (benchmarks/bare_relay.py)."""
    nginx = rows.get(("nginx", "fast", 32))
    revproxy, bare = rows.get(("revproxy", "fast", 32)), rows.get(("bare", "fast", 32))
    pairs = [("nginx / direct", nginx, rows.get(("direct", "fast", 32)), "expected: about 0.8×"),
             ("django-revproxy / nginx", revproxy, nginx, "expected: about 0.3×"),
             ("kit / nginx", rows.get(("kit", "fast", 32)), nginx, "target ≥ 0.8×"),
             ("bare relay / django-revproxy", bare, revproxy, "the most a Python proxy reaches here"),
             ("kit / bare relay", rows.get(("kit", "fast", 32)), bare, "what the kit's features cost")]
    lines = []
    for what, numerator, denominator, note in pairs:
        ratio = _ratio(numerator, denominator)
        if ratio is not None:
            lines.append(f"{what + ' (fast, 32 conns)':<52} {ratio:>13.2f}×   ({note})")
    return lines


def _cell(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def table(rows: dict[Key, Row]) -> str:
    header = (f"{'target':<16} {'endpoint':<9} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'proxy CPU µs/req':>17} {'monolith CPU µs/req':>20} {'errors':>7} {'busy elsewhere':>15}")
    ordered = sorted(rows.values(), key=lambda r: (r.endpoint, r.connections, list(TARGET_LABELS).index(r.target)))
    lines = [header, "-" * len(header)]
    previous: tuple[str, int] | None = None
    for row in ordered:
        if previous is not None and previous != (row.endpoint, row.connections):
            lines.append("")
        previous = (row.endpoint, row.connections)
        lines.append(f"{TARGET_LABELS[row.target]:<16} {row.endpoint:<9} {row.connections:>5} "
                     f"{row.requests_per_second:>9.0f} {row.p50_ms:>8.2f} {row.p99_ms:>8.2f} "
                     f"{_cell(row.proxy_cpu_us, '.0f'):>17} {_cell(row.monolith_cpu_us, '.0f'):>20} "
                     f"{row.errors:>7} {row.elsewhere_cores:>9.2f} cores")
    return "\n".join(lines)


def as_json(samples: Sequence[Sample], rows: dict[Key, Row], meta: dict) -> dict:
    return {
        "meta": meta,
        "samples": [asdict(sample) for sample in samples],
        "medians": [asdict(row) for row in rows.values()],
        "criteria": [{**asdict(c), "verdict": c.verdict} for c in criteria(rows, samples)],
    }
