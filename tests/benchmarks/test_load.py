"""wrk's report turned into numbers."""

import pytest

from benchmarks.load import WrkOutputError, parse_wrk, wrk_command

# wrk 4.1.0's report (`wrk -t1 -c2 -d1s --latency`) against a server answering 404.
REPORT_WITH_NON_2XX = """\
Running 1s test @ http://127.0.0.1:18777/nope
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.04ms  552.06us   6.52ms   87.60%
    Req/Sec     1.87k   135.61     2.09k    70.00%
  Latency Distribution
     50%    0.95ms
     75%    1.20ms
     90%    1.48ms
     99%    3.66ms
  1860 requests in 1.00s, 0.92MB read
  Non-2xx or 3xx responses: 1860
Requests/sec:   1857.92
Transfer/sec:      0.92MB
"""

REPORT_WITH_SOCKET_ERRORS = """\
Running 5s test @ http://127.0.0.1:8000/_diag/wait?ms=20
  2 threads and 32 connections
  Latency Distribution
     50%  435.00us
     75%  512.00us
     90%  620.00us
     99%    1.02s
  12345 requests in 5.01s, 2.34MB read
  Socket errors: connect 0, read 3, write 1, timeout 2
Requests/sec:   2464.07
Transfer/sec:    478.12KB
"""


def test_parse_wrk_reads_rate_percentiles_and_non_2xx():
    result = parse_wrk(REPORT_WITH_NON_2XX)
    assert result.requests == 1860
    assert result.seconds == pytest.approx(1.0)
    assert result.requests_per_second == pytest.approx(1857.92)
    assert result.p50_ms == pytest.approx(0.95)
    assert result.p99_ms == pytest.approx(3.66)
    assert result.non_2xx == 1860
    assert result.errors == 1860


def test_parse_wrk_converts_microseconds_and_seconds_to_milliseconds():
    result = parse_wrk(REPORT_WITH_SOCKET_ERRORS)
    assert result.p50_ms == pytest.approx(0.435)
    assert result.p99_ms == pytest.approx(1020.0)
    assert result.seconds == pytest.approx(5.01)


def test_parse_wrk_sums_every_kind_of_socket_error():
    result = parse_wrk(REPORT_WITH_SOCKET_ERRORS)
    assert result.socket_errors == 6
    assert result.non_2xx == 0


def test_parse_wrk_without_latency_distribution_says_what_is_missing():
    without = "\n".join(line for line in REPORT_WITH_NON_2XX.splitlines() if "%" not in line or "Req/Sec" in line)
    with pytest.raises(WrkOutputError, match="50% latency"):
        parse_wrk(without)


def test_wrk_command_uses_one_thread_per_sixteen_connections():
    assert wrk_command("http://h/x", connections=1, seconds=5)[:3] == ["wrk", "-t1", "-c1"]
    assert wrk_command("http://h/x", connections=32, seconds=5)[:3] == ["wrk", "-t2", "-c32"]


def test_wrk_command_asks_for_the_latency_distribution():
    command = wrk_command("http://h/x", connections=32, seconds=2.4)
    assert "--latency" in command
    assert "-d2s" in command
    assert command[-1] == "http://h/x"
