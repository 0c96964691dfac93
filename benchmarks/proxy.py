"""The proxy benchmark: the kit's proxy against direct, nginx and django-revproxy, in one run on one machine.

    .venv/bin/python -m benchmarks.proxy                  3 repeats of 5 s per configuration (~7 minutes)
    .venv/bin/python -m benchmarks.proxy --quick          1 repeat of 2 s (a smoke run)
    .venv/bin/python -m benchmarks.proxy --json out.json  also write every sample and verdict as JSON

It installs what is missing (Debian's nginx and wrk, django-revproxy), starts the monolith from the
Procfile with DIAGNOSTIC_ENDPOINTS=true, starts each proxy in front of it, and measures with wrk
`/_diag/fast` and `/_diag/wait?ms=20` at 1 and 32 connections. Runs are interleaved: each repeat goes
round all targets (in a rotated order) before the next repeat starts, so a burst of load from elsewhere
on the machine touches every target alike. Per run it reads the CPU time of each proxy's and the
monolith's process tree from /proc. It prints the medians and the proxy's targets (report.TARGETS: throughput
≥ 0.8× nginx and ≥ 2.5× django-revproxy, ≤ 250 µs of proxy CPU per request, added latency ≤ 0.5 ms at p50
and ≤ 2 ms at p99) as PASS / MISS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import cpu, report
from benchmarks.install import ensure_debian_packages, ensure_python_package
from benchmarks.load import WrkOutputError, run_wrk
from benchmarks.processes import Server, ServerFailedError, http_body
from benchmarks.stack import Stack

ENDPOINTS = {"fast": "/_diag/fast", "wait": "/_diag/wait?ms=20"}
CONNECTIONS = (1, 32)
# Above this much CPU used by other work during the runs, the output warns that the figures are disturbed.
QUIET_MACHINE_CORES = 0.25


@dataclass(frozen=True)
class Target:
    key: str
    url: str
    # The proxy's server, whose process tree's CPU is the proxy's; None for direct.
    proxy: Server | None

    @property
    def proxy_pid(self) -> int | None:
        return self.proxy.pid if self.proxy else None


def say(message: str) -> None:
    print(f"benchmark: {message}", flush=True)


def run_options(parser: argparse.ArgumentParser, *, measured: str) -> None:
    """The options of a benchmark that measures each `measured` with wrk: how long, how often, what it keeps."""
    parser.add_argument("--quick", action="store_true", help=f"1 repeat of 2 s per {measured}")
    parser.add_argument("--duration", type=float, help="seconds per measured run (default 5, quick 2)")
    parser.add_argument("--repeats", type=int, help=f"repeats of every {measured} (default 3, quick 1)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON here")
    parser.add_argument("--keep-logs", action="store_true", help="keep the temporary folder with every log")


def settle_run_options(args: argparse.Namespace) -> None:
    """The defaults `run_options` leaves open, for a full run or a quick one."""
    args.duration = args.duration or (2.0 if args.quick else 5.0)
    args.repeats = args.repeats or (1 if args.quick else 3)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.proxy", description=__doc__.split("\n\n")[0])
    run_options(parser, measured="configuration")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up load per target")
    args = parser.parse_args(argv)
    settle_run_options(args)
    if args.quick:
        args.warmup = min(args.warmup, 1.0)
    return args


def ensure_tools() -> dict[str, str]:
    paths = ensure_debian_packages({"nginx": "nginx", "wrk": "wrk"}, say)
    ensure_python_package("revproxy", "django-revproxy", say)
    return paths


def versions(tools: dict[str, str]) -> str:
    """nginx's and wrk's versions as they print them (both write to stderr or stdout and may exit 1)."""
    found = []
    for name, flag in (("nginx", "-v"), ("wrk", "-v")):
        completed = subprocess.run([tools[name], flag], capture_output=True, text=True)
        output = (completed.stderr + completed.stdout).strip().splitlines()
        found.append(output[0].replace("nginx version: ", "").split(" Copyright")[0] if output else name)
    return ", ".join(found)


def check_answers(target: Target) -> None:
    """Every target must serve the endpoints correctly before its speed means anything."""
    for path in ENDPOINTS.values():
        status, body = http_body(target.url + path)
        if status != 200:
            raise ServerFailedError(f"{target.key} answered {status} to GET {path}: {body[:300]!r}")


@dataclass(frozen=True)
class Reading:
    """CPU counters at one instant: the proxy's, the monolith's and every server's trees, the machine's."""

    wall: float
    proxy: int
    monolith: int
    servers: int
    machine: int
    load_generator: float  # seconds of CPU of finished children (wrk)

    @classmethod
    def now(cls, proxy_pid: int | None, monolith_pid: int, server_pids: list[int]) -> Reading:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return cls(wall=time.monotonic(), proxy=cpu.tree_ticks([proxy_pid] if proxy_pid else []),
                   monolith=cpu.tree_ticks([monolith_pid]), servers=cpu.tree_ticks(server_pids),
                   machine=cpu.machine_busy_ticks(), load_generator=children.ru_utime + children.ru_stime)


def measure(target: Target, endpoint: str, connections: int, *, repeat: int, seconds: float, wrk: str,
            monolith_pid: int, server_pids: list[int]) -> report.Sample:
    before = Reading.now(target.proxy_pid, monolith_pid, server_pids)
    result = run_wrk(target.url + ENDPOINTS[endpoint], connections=connections, seconds=seconds, wrk=wrk)
    after = Reading.now(target.proxy_pid, monolith_pid, server_pids)
    ours = cpu.ticks_to_seconds(after.servers - before.servers) + after.load_generator - before.load_generator
    elsewhere = cpu.ticks_to_seconds(after.machine - before.machine) - ours
    return report.Sample(
        target=target.key, endpoint=endpoint, connections=connections, repeat=repeat,
        requests=result.requests, requests_per_second=result.requests_per_second,
        p50_ms=result.p50_ms, p99_ms=result.p99_ms, errors=result.errors,
        proxy_cpu_us=(cpu.microseconds_per_request(after.proxy - before.proxy, result.requests)
                      if target.proxy_pid else None),
        monolith_cpu_us=cpu.microseconds_per_request(after.monolith - before.monolith, result.requests),
        elsewhere_cores=max(0.0, elsewhere / (after.wall - before.wall)),
    )


def rotated(items: list[Target], by: int) -> list[Target]:
    by %= len(items)
    return items[by:] + items[:by]


def measure_alive(stack: Stack, target: Target, endpoint: str, connections: int, *, repeat: int,
                  args: argparse.Namespace, wrk: str, monolith: Server) -> report.Sample:
    """One measurement with every server up from start to end; measured again if one died meanwhile."""
    for _ in range(3):
        revived = stack.revive()
        if revived:
            say(f"warming up again after restarting {', '.join(revived)}")
            run_wrk(target.url + ENDPOINTS["fast"], connections=32, seconds=args.warmup, wrk=wrk)
        sample = measure(target, endpoint, connections, repeat=repeat, seconds=args.duration, wrk=wrk,
                         monolith_pid=monolith.pid, server_pids=[server.pid for server in stack.servers])
        if not stack.stopped():
            return sample
    raise ServerFailedError(f"{', '.join(s.name for s in stack.stopped())} keeps exiting during measurements")


def run_all(stack: Stack, targets: list[Target], args: argparse.Namespace, wrk: str,
            monolith: Server) -> list[report.Sample]:
    for target in targets:
        say(f"warm-up: {target.key}, {args.warmup:g} s at 32 connections")
        run_wrk(target.url + ENDPOINTS["fast"], connections=32, seconds=args.warmup, wrk=wrk)
    samples = []
    runs = len(ENDPOINTS) * len(CONNECTIONS) * len(targets)
    for repeat in range(args.repeats):
        started = time.monotonic()
        for endpoint in ENDPOINTS:
            for connections in CONNECTIONS:
                for target in rotated(targets, repeat):
                    sample = measure_alive(stack, target, endpoint, connections, repeat=repeat, args=args,
                                           wrk=wrk, monolith=monolith)
                    samples.append(sample)
                    if sample.errors:
                        say(f"{target.key} {endpoint} {connections}: {sample.errors} errors (non-2xx or socket)")
        say(f"repeat {repeat + 1}/{args.repeats} done: {runs} runs in {time.monotonic() - started:.0f} s, "
            f"load average {os.getloadavg()[0]:.2f}")
    return samples


def start_targets(stack: Stack, tools: dict[str, str]) -> tuple[Server, list[Target]]:
    stack.start_redis(os.environ.get("REDIS_URL"))
    monolith = stack.start_monolith()
    targets = [Target("direct", monolith.url, None)]
    kit = stack.start_kit(monolith)
    if kit:
        targets.append(Target("kit", kit.url, kit))
    nginx = stack.start_nginx(tools["nginx"], monolith)
    targets.append(Target("nginx", nginx.url, nginx))
    revproxy = stack.start_revproxy(monolith)
    targets.append(Target("revproxy", revproxy.url, revproxy))
    bare = stack.start_bare_relay(monolith)
    targets.append(Target("bare", bare.url, bare))
    return monolith, targets


def print_results(samples: list[report.Sample], meta: dict, json_path: Path | None) -> None:
    rows = report.summarise(samples)
    print()
    print(f"Medians over {meta['repeats']} interleaved repeat(s) of {meta['duration_s']:g} s; "
          f"{meta['cpus']} CPUs; load average before {meta['load_before']:.2f}, after {meta['load_after']:.2f}")
    print(f"kit's proxy: {meta['kit']}")
    print(f"tools: {meta['versions']}")
    print("processes (master and workers): "
          + ", ".join(f"{name} {count}" for name, count in meta.get("processes", {}).items()))
    print("CPU µs/req: utime+stime of the process tree (master and workers) over requests completed.")
    print("busy elsewhere: machine CPU used during the run by processes outside the benchmark (0 when quiet).")
    if meta.get("restarts"):
        print(f"Restarted during the run (stopped from outside): {', '.join(meta['restarts'])}")
    print()
    print(report.table(rows))
    elsewhere = statistics.median(sample.elsewhere_cores for sample in samples)
    if elsewhere > QUIET_MACHINE_CORES:
        print()
        print(f"NOTE: a median {elsewhere:.2f} of {meta['cpus']} cores were busy outside the benchmark during its "
              "runs: throughput and p99 are disturbed (see each target's spread over repeats); CPU per request is the "
              "steadiest figure. Run again on a quiet machine, or with more --repeats.")
    print()
    print("Targets for the kit's proxy (ratios within this run):")
    for criterion in report.criteria(rows, samples):
        print("  " + criterion.line())
    print()
    print("For orientation:")
    for line in report.orientation(rows):
        print("  " + line)
    if json_path:
        json_path.write_text(json.dumps(report.as_json(samples, rows, meta), indent=2) + "\n")
        say(f"wrote {json_path}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    tools = ensure_tools()
    workdir = Path(tempfile.mkdtemp(prefix="proxy-bench-"))
    stack = Stack(workdir, web_concurrency=2, say=say)
    meta = {"repeats": args.repeats, "duration_s": args.duration, "cpus": os.cpu_count(),
            "machine": platform.platform(), "python": platform.python_version(),
            "load_before": os.getloadavg()[0], "versions": versions(tools)}
    try:
        monolith, targets = start_targets(stack, tools)
        meta["kit"] = stack.kit_source
        meta["processes"] = {server.name: cpu.tree_size(server.pid) for server in stack.servers}
        for target in targets:
            check_answers(target)
        samples = run_all(stack, targets, args, tools["wrk"], monolith)
        meta["load_after"] = os.getloadavg()[0]
        meta["restarts"] = stack.restarts
    except KeyboardInterrupt:
        say("interrupted; stopping every server")
        return 130
    except (ServerFailedError, WrkOutputError) as exc:
        say(f"failed: {exc}")
        args.keep_logs = True  # the servers' logs tell why
        return 1
    finally:
        finish(stack, workdir, keep_logs=args.keep_logs)
    print_results(samples, meta, args.json)
    return 0


def finish(stack: Stack, workdir: Path, *, keep_logs: bool) -> None:
    """Stop every server; keep the run's folder with their logs when asked (or after a failure), else remove it."""
    stack.stop()
    if keep_logs:
        say(f"logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


def _interrupt(signum: int, frame: object) -> None:
    """Ctrl-C and SIGTERM (a CI timeout, `kill`) unwind, so every server is stopped on the way out.

    Set explicitly for SIGINT too: a shell starts a background job with SIGINT ignored.
    """
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
