"""The load generator: wrk, run once per measurement, and its report turned into numbers."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

_UNITS_TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_QUANTITY = r"([\d.]+)(us|ms|s|m|h)"


class WrkOutputError(ValueError):
    """wrk's report lacks a figure the benchmark needs (wrk failed, or its format changed)."""


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    # Answers with a status outside 2xx/3xx, and connect/read/write/timeout socket errors.
    non_2xx: int = 0
    socket_errors: int = 0

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def to_ms(number: str, unit: str) -> float:
    return float(number) * _UNITS_TO_MS[unit]


def _search(pattern: str, text: str, what: str) -> re.Match[str]:
    match = re.search(pattern, text, re.MULTILINE)
    if match is None:
        raise WrkOutputError(f"no {what} in wrk's output:\n{text}")
    return match


def parse_wrk(text: str) -> WrkResult:
    """The figures in the report `wrk --latency` prints."""
    total = _search(rf"^\s*(\d+) requests in {_QUANTITY}", text, "request count")
    rate = _search(r"^Requests/sec:\s+([\d.]+)", text, "Requests/sec")
    p50 = _search(rf"^\s+50(?:\.0+)?%\s+{_QUANTITY}", text, "50% latency (was --latency given?)")
    p99 = _search(rf"^\s+99(?:\.0+)?%\s+{_QUANTITY}", text, "99% latency (was --latency given?)")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return WrkResult(
        requests=int(total.group(1)),
        seconds=to_ms(total.group(2), total.group(3)) / 1000,
        requests_per_second=float(rate.group(1)),
        p50_ms=to_ms(p50.group(1), p50.group(2)),
        p99_ms=to_ms(p99.group(1), p99.group(2)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(value) for value in sockets.groups()) if sockets else 0,
    )


def wrk_command(url: str, *, connections: int, seconds: float, wrk: str = "wrk",
                script: Path | None = None) -> list[str]:
    """One thread per 16 connections (1 at 1 connection, 2 at 32): wrk must not be the bottleneck on 2 cores.

    With `script`, wrk runs that Lua script (which may make each request, e.g. a different path each time)."""
    threads = max(1, min(connections, (connections + 15) // 16))
    scripted = ["-s", str(script)] if script else []
    return [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
            "--timeout", "10s", *scripted, url]


def run_wrk(url: str, *, connections: int, seconds: float, wrk: str = "wrk",
            script: Path | None = None) -> WrkResult:
    command = wrk_command(url, connections=connections, seconds=seconds, wrk=wrk, script=script)
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if completed.returncode != 0:
        raise WrkOutputError(f"{' '.join(command)} exited {completed.returncode}:\n{completed.stderr}")
    return parse_wrk(completed.stdout)
