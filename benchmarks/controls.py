"""The migration controls' benchmark: what a shadow and a canary cost the proxy, and how fast a change made
with the `strangler` command reaches every process of a 4-process proxy. One run, one machine.

    .venv/bin/python -m benchmarks.controls                  3 interleaved repeats of 5 s per state
    .venv/bin/python -m benchmarks.controls --quick          1 repeat of 2 s, 5 changes (a smoke run)
    .venv/bin/python -m benchmarks.controls --json out.json  also write every sample and lag as JSON

It starts what benchmarks/proxy.py starts (stack.py): a throwaway Redis, the monolith from its Procfile
line with DIAGNOSTIC_ENDPOINTS=true, and the kit's proxy from the Procfile's web line, with the kit's
routes.toml plus a route `diag` (prefix /_diag/, primary "monolith") and an upstream `candidate` at the
same monolith: shadowing the route against the monolith, as a team does first. The route's judge is told
to wait for more traffic than the run sends, so it never rolls the route back or advances it.

1. The same route in three live states, set with `strangler` between runs on the same proxy process:
   plain (no candidate), shadow (every GET copied to the candidate, diffed, recorded in Redis) and
   canary 50 % (wrk sends no cookie, so every request is a new caller: half go to the candidate, each
   answer sets the caller cookie). Each repeat goes round the states in a rotated order; wrk measures
   /_diag/fast at 1 connection (p50: what shadowing adds on the primary path; target ≤ 1 ms) and at
   32 connections (throughput as a ratio to the plain route in the same run; target ≥ 0.9×), with the
   proxy's CPU per request from /proc.
2. A second proxy with 4 worker processes (PROXY_CONCURRENCY=4). For each of N changes (`strangler
   canary`, then `strangler rollback`, alternately) four threads read /_strangler/ (which names the
   process that drew it and the version of the live states it serves) on fresh connections until all
   four processes show the new version; a process's lag is the time from the change's audit record to
   its first page with it (an upper bound: the process took it at most one page earlier). The target is
   1 s for the slowest process.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import redis
import requests

from benchmarks import report
from benchmarks.install import ensure_debian_packages
from benchmarks.processes import ROOT, Server, ServerFailedError, base_env
from benchmarks.proxy import Target, finish, measure, run_options, say, settle_run_options
from benchmarks.stack import Stack
from strangler_proxy.control.store import VERSION_KEY

ROUTE = "diag"
STATES = ("plain", "shadow", "canary")
CANARY_PERCENT = 50
ENDPOINT = "fast"
ADMIN_TOKEN = "benchmark-controls-admin-token-0123456789abcdef"
LAG_TARGET_S = 1.0
P50_TARGET_MS = 1.0
THROUGHPUT_TARGET = 0.9
# The route and the candidate the benchmark adds in front of the kit's own routes.
ADDED = f"""
[upstreams.candidate]
url_env = "CANDIDATE_URL"

[[routes]]
id = "{ROUTE}"
prefix = "/_diag/"
upstream = "monolith"
judge = {{ min_requests = 1000000000 }}
"""
_PAGE_VERSION = re.compile(r'data-version="(\d+)" title="[^"]*\(pid (\d+)\)')


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.controls", description=__doc__.split("\n\n")[0])
    run_options(parser, measured="state")
    parser.add_argument("--changes", type=int, help="changes timed on the 4-process proxy (default 20, quick 5)")
    args = parser.parse_args(argv)
    settle_run_options(args)
    args.changes = args.changes or (5 if args.quick else 20)
    return args


def table_with_diag_route(workdir: Path) -> Path:
    """The kit's routes.toml with the candidate upstream and the `diag` route before its first route."""
    text = (ROOT / "strangler_proxy" / "routes.toml").read_text()
    first_route = text.index("\n[[routes]]")
    path = workdir / "controls-routes.toml"
    path.write_text(text[:first_route] + "\n" + ADDED + text[first_route:])
    return path


# ---------------------------------------------------------------- the live state, through the command
class Controls:
    """`strangler` run as an operator runs it, against the table and the Redis the proxies use."""

    def __init__(self, env: dict[str, str], proxy_url: str) -> None:
        self.env = env
        self.proxy_url = proxy_url
        self.state = "plain"

    def run(self, *arguments: str) -> dict:
        done = subprocess.run([sys.executable, "-m", "strangler_proxy.cli", *arguments, "--json"], env=self.env,
                              capture_output=True, text=True, timeout=60, cwd=ROOT)
        if done.returncode != 0:
            raise ServerFailedError(f"strangler {' '.join(arguments)} failed: {done.stderr.strip()}")
        record: dict = json.loads(done.stdout)
        return record

    def set(self, state: str) -> None:
        """Put the route in `state` and wait until the proxy serves it."""
        if state == self.state:
            return
        if self.state != "plain":
            self.run("rollback", ROUTE, "--reason", "benchmark")
        if state == "shadow":
            self.run("shadow", ROUTE, "--candidate", "candidate")
        elif state == "canary":
            self.run("canary", ROUTE, "--candidate", "candidate", "--percent", str(CANARY_PERCENT))
        self.state = state
        self.wait_served(self.version())

    def version(self) -> int:
        """The live states' version in Redis (every change raises it; each proxy process polls it)."""
        client = redis.Redis.from_url(self.env["REDIS_URL"])
        try:
            return int(client.get(VERSION_KEY) or 0)
        finally:
            client.close()

    def wait_served(self, version: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if page_version(self.proxy_url)[1] >= version:
                return
            time.sleep(0.05)
        raise ServerFailedError(f"the proxy did not take live states version {version} within {timeout:g} s")


def page_version(proxy_url: str) -> tuple[int, int]:
    """(pid, version of the live states) of the proxy process that drew /_strangler/, on a fresh connection."""
    page = requests.get(f"{proxy_url}/_strangler/", timeout=10,
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Connection": "close"})
    found = _PAGE_VERSION.search(page.text)
    if page.status_code != 200 or found is None:
        raise ServerFailedError(f"/_strangler/ answered {page.status_code} without its version: {page.text[:300]}")
    return int(found[2]), int(found[1])


# ---------------------------------------------------------------- 1. the states' cost
def measure_states(stack: Stack, kit: Server, monolith: Server, controls: Controls, args: argparse.Namespace,
                   wrk: str) -> list[report.Sample]:
    samples = []
    for repeat in range(args.repeats):
        for state in STATES[repeat % len(STATES):] + STATES[:repeat % len(STATES)]:
            controls.set(state)
            target = Target(state, kit.url, kit)
            for connections in (1, 32):
                sample = measure(target, ENDPOINT, connections, repeat=repeat, seconds=args.duration, wrk=wrk,
                                 monolith_pid=monolith.pid, server_pids=[server.pid for server in stack.servers])
                samples.append(sample)
                if sample.errors:
                    say(f"{state} {connections}: {sample.errors} errors (non-2xx or socket)")
        say(f"repeat {repeat + 1}/{args.repeats} done, load average {os.getloadavg()[0]:.2f}")
    controls.set("plain")
    return samples


# ---------------------------------------------------------------- 2. propagation to every process
@dataclass(frozen=True)
class Propagation:
    action: str
    version: int
    # Seconds from the change's audit record to each process's first page showing it, by pid.
    lags: dict[int, float]

    @property
    def slowest(self) -> float:
        return max(self.lags.values())


def processes_of(proxy_url: str, count: int, timeout: float = 30) -> set[int]:
    """The pids of the proxy's `count` worker processes, once each has drawn a page."""
    seen: set[int] = set()
    deadline = time.monotonic() + timeout
    while len(seen) < count and time.monotonic() < deadline:
        seen.add(page_version(proxy_url)[0])
    if len(seen) < count:
        raise ServerFailedError(f"only {len(seen)} of {count} proxy processes answered within {timeout:g} s")
    return seen


def first_seen(proxy_url: str, pids: set[int], version: int, timeout: float = 10) -> dict[int, float]:
    """When (time.time) each of `pids` first drew a page at `version` or later; four readers at once."""
    seen: dict[int, float] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + timeout

    def read() -> None:
        while time.monotonic() < deadline:
            with lock:
                if len(seen) == len(pids):
                    return
            pid, served = page_version(proxy_url)
            now = time.time()
            if served >= version:
                with lock:
                    seen.setdefault(pid, now)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    if set(seen) != pids:
        raise ServerFailedError(f"processes {sorted(pids - set(seen))} did not take version {version} in {timeout:g} s")
    return seen


def measure_propagation(controls: Controls, proxy_url: str, changes: int) -> list[Propagation]:
    pids = processes_of(proxy_url, 4)
    found = []
    for number in range(changes):
        if number % 2 == 0:
            action, record = "canary", controls.run("canary", ROUTE, "--candidate", "candidate", "--percent", "10")
        else:
            action, record = "rollback", controls.run("rollback", ROUTE, "--reason", "benchmark")
        version = controls.version()
        seen = first_seen(proxy_url, pids, version)
        found.append(Propagation(action, version, {pid: at - record["at"] for pid, at in seen.items()}))
    if changes % 2:
        controls.run("rollback", ROUTE, "--reason", "benchmark")
    return found


# ---------------------------------------------------------------- output
def print_results(samples: Sequence[report.Sample], lags: Sequence[Propagation], meta: dict) -> dict:
    rows = report.summarise(samples)
    print()
    print(f"Medians over {meta['repeats']} interleaved repeat(s) of {meta['duration_s']:g} s; {meta['cpus']} CPUs; "
          f"load average before {meta['load_before']:.2f}, after {meta['load_after']:.2f}")
    print(f"kit's proxy: {meta['kit']}")
    print(f"route {ROUTE!r} (/_diag/fast) plain, in shadow, and in a {CANARY_PERCENT} % canary; candidate: the monolith")
    print()
    print(f"{'state':<8} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'proxy CPU µs/req':>17} "
          f"{'monolith CPU µs/req':>20} {'errors':>7} {'busy elsewhere':>15}")
    for (state, _, connections), row in rows.items():
        print(f"{state:<8} {connections:>5} {row.requests_per_second:>8.0f} {row.p50_ms:>8.2f} {row.p99_ms:>8.2f} "
              f"{row.proxy_cpu_us or 0:>17.0f} {row.monolith_cpu_us or 0:>20.0f} {row.errors:>7} "
              f"{row.elsewhere_cores:>10.2f} cores")
    print("CPU µs/req: utime+stime of the process tree over the requests wrk completed; in shadow the monolith "
          "also answers the copies (it is the candidate) and, for one copy in four, the noise model's second call.")
    figures = _figures(rows, lags)
    print()
    print("Targets (ratios within this run):")
    for line in _target_lines(figures):
        print("  " + line)
    print()
    print("For orientation (the steadiest figure on a shared machine):")
    for state in ("shadow", "canary"):
        value = figures[f"{state}_proxy_cpu_ratio"]
        shown = "n/a" if value is None else f"{value:.2f}×"
        print(f"  proxy CPU per request {state} / plain (32 conns)        {shown:>8}")
    print()
    print(f"Propagation to every process of a 4-process proxy, {len(lags)} changes "
          "(audit record → the slowest process's first page with the change):")
    if lags:
        slowest = sorted(lag.slowest for lag in lags)
        every = sorted(value for lag in lags for value in lag.lags.values())
        print(f"  slowest process: median {statistics.median(slowest) * 1000:.0f} ms, max {slowest[-1] * 1000:.0f} ms; "
              f"any process: median {statistics.median(every) * 1000:.0f} ms")
    return figures


def _figures(rows: dict[report.Key, report.Row], lags: Sequence[Propagation]) -> dict[str, float | None]:
    def row(state: str, connections: int) -> report.Row | None:
        return rows.get((state, ENDPOINT, connections))

    def ratio(state: str) -> float | None:
        plain, other = row("plain", 32), row(state, 32)
        return other.requests_per_second / plain.requests_per_second if plain and other else None

    def cpu_ratio(state: str) -> float | None:
        plain, other = row("plain", 32), row(state, 32)
        if not (plain and other and plain.proxy_cpu_us and other.proxy_cpu_us):
            return None
        return other.proxy_cpu_us / plain.proxy_cpu_us

    plain1, shadow1, canary1 = row("plain", 1), row("shadow", 1), row("canary", 1)
    return {
        "shadow_proxy_cpu_ratio": cpu_ratio("shadow"),
        "canary_proxy_cpu_ratio": cpu_ratio("canary"),
        "shadow_added_p50_ms": shadow1.p50_ms - plain1.p50_ms if plain1 and shadow1 else None,
        "canary_added_p50_ms": canary1.p50_ms - plain1.p50_ms if plain1 and canary1 else None,
        "shadow_throughput_ratio": ratio("shadow"),
        "canary_throughput_ratio": ratio("canary"),
        "slowest_process_lag_max_s": max((lag.slowest for lag in lags), default=None),
    }


def _target_lines(figures: dict[str, float | None]) -> list[str]:
    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    lines = []
    for key, what, unit, limit, within in (
            ("shadow_added_p50_ms", "p50 added by shadowing (1 conn)", "ms", P50_TARGET_MS, lambda v, t: v <= t),
            ("canary_added_p50_ms", "p50 added by the canary (1 conn)", "ms", P50_TARGET_MS, lambda v, t: v <= t),
            ("shadow_throughput_ratio", "throughput shadow / plain (32 conns)", "×", THROUGHPUT_TARGET,
             lambda v, t: v >= t),
            ("canary_throughput_ratio", "throughput canary / plain (32 conns)", "×", THROUGHPUT_TARGET,
             lambda v, t: v >= t),
            ("slowest_process_lag_max_s", "change → every one of 4 processes (max)", "s", LAG_TARGET_S,
             lambda v, t: v <= t)):
        value = figures[key]
        bound = "≤" if key.endswith(("_ms", "_s")) else "≥"
        shown = "n/a" if value is None else f"{value:.2f} {unit}"
        status = "n/a" if value is None else verdict(within(value, limit))
        lines.append(f"{what:<45} {shown:>10}   target {bound} {limit:g} {unit}   {status}")
    return lines


# ---------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    wrk = ensure_debian_packages({"wrk": "wrk"}, say)["wrk"]
    workdir = Path(tempfile.mkdtemp(prefix="controls-bench-"))
    stack = Stack(workdir, web_concurrency=2, say=say)
    meta = {"repeats": args.repeats, "duration_s": args.duration, "cpus": os.cpu_count(),
            "load_before": os.getloadavg()[0]}
    try:
        stack.start_redis(None)  # a throwaway Redis: the run's live states and audit records touch nobody's
        monolith = stack.start_monolith()
        table = table_with_diag_route(workdir)
        overrides = {"ROUTES_FILE": str(table), "CANDIDATE_URL": monolith.url, "PROXY_ADMIN_TOKEN": ADMIN_TOKEN}
        kit = stack.start_kit(monolith, **overrides)
        if kit is None:
            raise ServerFailedError(stack.kit_source)
        meta["kit"] = stack.kit_source
        cli_env = base_env({**overrides, "REDIS_URL": stack.redis_url, "MONOLITH_URL": monolith.url})
        samples = measure_states(stack, kit, monolith, Controls(cli_env, kit.url), args, wrk)
        kit4 = stack.start_kit(monolith, name="kit4", PROXY_CONCURRENCY="4", **overrides)
        assert kit4 is not None
        say(f"timing {args.changes} changes on the 4-process proxy")
        lags = measure_propagation(Controls(cli_env, kit4.url), kit4.url, args.changes)
        meta["load_after"] = os.getloadavg()[0]
    except KeyboardInterrupt:
        say("interrupted; stopping every server")
        return 130
    except (ServerFailedError, requests.RequestException) as exc:
        say(f"failed: {exc}")
        args.keep_logs = True
        return 1
    finally:
        finish(stack, workdir, keep_logs=args.keep_logs)
    figures = print_results(samples, lags, meta)
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "figures": figures,
                                         "samples": [asdict(sample) for sample in samples],
                                         "propagation": [asdict(lag) for lag in lags]}, indent=2) + "\n")
        say(f"wrote {args.json}")
    return 0


def _interrupt(signum: int, frame: object) -> None:
    """Ctrl-C and SIGTERM unwind, so every server is stopped on the way out."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
