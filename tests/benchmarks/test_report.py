"""Medians over repeats, the proxy's targets (benchmarks.report.TARGETS) as PASS / MISS, and the printed table."""

import re

import pytest

from benchmarks.report import Criterion, Sample, as_json, criteria, orientation, summarise, table


def sample(target, endpoint="fast", connections=32, *, rps, p50=1.0, p99=2.0, proxy=None, repeat=0, errors=0):
    return Sample(target=target, endpoint=endpoint, connections=connections, repeat=repeat, requests=int(rps * 5),
                  requests_per_second=rps, p50_ms=p50, p99_ms=p99, errors=errors,
                  proxy_cpu_us=proxy, monolith_cpu_us=600.0, elsewhere_cores=0.1)


@pytest.fixture
def run():
    """One run where the kit meets every target: 0.9× nginx, 3× django-revproxy, 200 µs, +0.3 / +1 ms."""
    return [
        sample("direct", rps=2000), sample("nginx", rps=1800, proxy=100), sample("kit", rps=1620, proxy=200),
        sample("revproxy", rps=540, proxy=1500),
        sample("direct", "fast", 1, rps=1500, p50=0.6, p99=1.0), sample("kit", "fast", 1, rps=1000, p50=0.9, p99=2.0),
        sample("direct", "wait", 1, rps=45, p50=22.0, p99=24.0), sample("kit", "wait", 1, rps=44, p50=22.2, p99=25.0),
    ]


def verdicts(rows):
    return {criterion.what: criterion.verdict for criterion in criteria(rows)}


def test_summarise_takes_medians_over_repeats_and_sums_errors():
    rows = summarise([sample("kit", rps=rps, proxy=cpu, repeat=i, errors=1)
                      for i, (rps, cpu) in enumerate([(900, 300), (1000, 200), (5000, 250)])])
    row = rows[("kit", "fast", 32)]
    assert (row.requests_per_second, row.proxy_cpu_us, row.repeats, row.errors) == (1000, 250, 3, 3)


def test_every_criterion_passes_when_the_kit_meets_the_targets(run):
    assert set(verdicts(summarise(run)).values()) == {"PASS"}


def test_throughput_ratios_are_against_nginx_and_revproxy_at_32_connections(run):
    found = {c.what: c.value for c in criteria(summarise(run))}
    assert found["throughput kit / nginx (fast, 32 conns)"] == pytest.approx(0.9)
    assert found["throughput kit / django-revproxy (fast, 32 conns)"] == pytest.approx(3.0)


def test_added_latency_is_the_kit_minus_direct_at_one_connection(run):
    found = {c.what: c.value for c in criteria(summarise(run))}
    assert found["kit p50 added over direct (fast, 1 conn)"] == pytest.approx(0.3)
    assert found["kit p99 added over direct (fast, 1 conn)"] == pytest.approx(1.0)


def test_a_slow_kit_misses_the_throughput_and_cpu_targets(run):
    run[2] = sample("kit", rps=1000, proxy=400)
    found = verdicts(summarise(run))
    assert found["throughput kit / nginx (fast, 32 conns)"] == "MISS"
    assert found["throughput kit / django-revproxy (fast, 32 conns)"] == "MISS"
    assert found["kit CPU per proxied request (fast, 32 conns)"] == "MISS"


def test_without_the_kit_every_criterion_is_not_measured(run):
    rows = summarise([s for s in run if s.target != "kit"])
    assert set(verdicts(rows).values()) == {"n/a"}
    assert "not measured" in criteria(rows)[0].line()


def test_criteria_show_the_spread_over_single_repeats(run):
    second = [sample("nginx", rps=1000, proxy=100, repeat=1), sample("kit", rps=900, proxy=300, repeat=1)]
    found = {c.what: c for c in criteria(summarise(run + second), run + second)}
    assert found["throughput kit / nginx (fast, 32 conns)"].spread == (pytest.approx(0.9), pytest.approx(0.9))
    assert found["kit CPU per proxied request (fast, 32 conns)"].spread == (200, 300)
    assert "repeats 200.00 to 300.00" in found["kit CPU per proxied request (fast, 32 conns)"].line()
    assert found["kit p50 added over direct (fast, 1 conn)"].spread is None  # measured in one repeat only


def test_criterion_bounds_are_inclusive():
    assert Criterion("x", 0.8, 0.8, "×", at_least=True).verdict == "PASS"
    assert Criterion("x", 250, 250, " µs", at_least=False).verdict == "PASS"
    assert Criterion("x", 250.1, 250, " µs", at_least=False).verdict == "MISS"


def test_table_has_a_line_per_target_endpoint_and_connections(run):
    printed = table(summarise(run))
    assert printed.splitlines()[0].split()[:3] == ["target", "endpoint", "conns"]
    assert sum(line.startswith("kit proxy") for line in printed.splitlines()) == 3
    assert "—" in printed  # direct has no proxy CPU


def test_orientation_sets_the_bare_relay_against_django_revproxy_and_the_kit(run):
    """The bare relay reached 1,800 requests/s beside the kit's 1,620 and django-revproxy's 540."""
    lines = orientation(summarise([*run, sample("bare", rps=1800, proxy=90)]))
    ratios = {line.split(" (fast")[0]: float(re.search(r"([\d.]+)×", line).group(1)) for line in lines}
    assert ratios["bare relay / django-revproxy"] == pytest.approx(3.33, abs=0.01)
    assert ratios["kit / bare relay"] == pytest.approx(0.9)
    assert "bare relay" in table(summarise([*run, sample("bare", rps=1800, proxy=90)]))


def test_as_json_holds_samples_medians_and_verdicts(run):
    document = as_json(run, summarise(run), {"repeats": 1})
    assert len(document["samples"]) == len(run)
    assert {c["verdict"] for c in document["criteria"]} == {"PASS"}
