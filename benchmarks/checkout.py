"""The checkout benchmark: the synchronous monolith against the asynchronous checkout, in one run on one machine.

    .venv/bin/python -m benchmarks.checkout             16 clients x 400 requests, a burst of 1,000, the spike
    .venv/bin/python -m benchmarks.checkout --quick     8 x 100, a burst of 300, a spike of 300 in 3 s (~2 min)
    .venv/bin/python -m benchmarks.checkout --json out.json

It starts everything itself, as the checkout's system tests do (devstack/checkout.py): a
throwaway redis-server, the card-processor sandbox, the monolith (the catalogue, and the synchronous
checkout), the checkout's web process and one Celery worker process (threads pool). Three parts:

1. accept latency, processor at 300 ms, on the monolith's `POST /v1/checkout` (a signed-up user's
   token; it reserves, charges and stores inside the request) and on the checkout service's (202 once
   the order is stored), a worker running the sagas meanwhile, as it would in production. First each
   at saturation (N closed-loop clients); then the same load on both: the same requests paced at the
   same rate (open loop, --load-fraction of the synchronous checkout's saturated rate, so that both
   can serve it). The target (async p99 at least 20x lower) is judged under the same load: closed-loop
   clients hand the faster service more requests per second, so its latency there measures its
   capacity, not what a customer waits at a given traffic. Both are printed, and the accept path alone
   (no worker consuming) beside them.
2. saga throughput per worker process, processor at 50 ms: a burst is accepted with no worker running,
   then one worker process (threads pool, --worker-concurrency) drains it: orders finished per second
   from the worker being ready to the last order finished, and the worker's CPU per order (a threads
   pool is one process: one core at most). Target: at least 50 orders/s.
3. a spike: 1,000 checkouts paced over 10 s (open loop, 64 client threads), processor at
   --spike-latency-ms: all must be accepted (2xx) within the window (+2 s), every one must finish and
   be found; the drain time is printed.

Both web processes run as the harness runs them: gunicorn, WEB_CONCURRENCY=1, GUNICORN_THREADS=8; the
sandbox with GUNICORN_THREADS=64 so that it is never the queue. The databases are SQLite files, or
throwaway PostgreSQL databases when DATABASE_URL names a server (as in CI):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/concierge .venv/bin/python -m benchmarks.checkout

No beat runs, so an order whose step failed with an exception stays where it is: a wait gives up after
60 s without progress and the order counts as lost. It prints a table and PASS / MISS per target, with
how busy the machine was with other work (other programs may share its cores), and keeps every
process's output in the run's temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks import cpu
from benchmarks.checkout_load import Run, closed_loop, paced
from benchmarks.checkout_report import (
    LATENCY_HEADER,
    LatencySummary,
    SpikeOutcome,
    cpu_ceiling,
    criteria,
    drain_rate,
    ratio,
    spike_lines,
)
from benchmarks.checkout_stack import (
    PRODUCT,
    Busy,
    Clients,
    accepted_ids,
    events,
    finishing_times,
    keep_logs,
    monolith_token,
    read_orders,
    say,
    throwaway_redis,
    wait_for_events,
)
from devstack.checkout import CheckoutSystem, running_checkout, wait_until_ready

SANDBOX_THREADS = "64"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.checkout", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: smaller loads, a 300-order spike")
    parser.add_argument("--clients", type=int, help="concurrent clients for the accept latency (16; quick 8)")
    parser.add_argument("--requests", type=int, help="requests per target for the accept latency (400; quick 100)")
    parser.add_argument("--burst", type=int, help="orders in the throughput burst (1000; quick 300)")
    parser.add_argument("--spike", type=int, help="checkouts in the spike (1000; quick 300)")
    parser.add_argument("--spike-seconds", type=float, help="over how long the spike is paced (10; quick 3)")
    parser.add_argument("--spike-latency-ms", type=int, default=300, help="the processor's latency in the spike")
    parser.add_argument("--load-fraction", type=float, default=0.5,
                        help="the same load on both: this fraction of the synchronous checkout's saturated rate")
    parser.add_argument("--worker-concurrency", type=int, default=64, help="threads of the one worker process")
    parser.add_argument("--json", type=Path, help="also write every figure as JSON to this file")
    args = parser.parse_args(argv)
    defaults = (8, 100, 300, 300, 3.0) if args.quick else (16, 400, 1000, 1000, 10.0)
    for name, default in zip(("clients", "requests", "burst", "spike", "spike_seconds"), defaults, strict=True):
        if getattr(args, name) is None:
            setattr(args, name, default)
    return args


# ---------------------------------------------------------------- the three parts
def accept_latency(system: CheckoutSystem, clients: Clients, args: argparse.Namespace) -> dict[str, Any]:
    say(f"accept latency at saturation: {args.clients} clients x {args.requests} requests per target, "
        "processor at 300 ms")
    # Warm both (connections, lazy imports, caches); the checkout's warm-up orders count among its sagas.
    closed_loop(clients.monolith, clients=2, requests=10)
    warm = closed_loop(clients.checkout, clients=2, requests=10)
    sync_saturated = closed_loop(clients.monolith, clients=args.clients, requests=args.requests)
    async_saturated = closed_loop(clients.checkout, clients=args.clients, requests=args.requests)
    rate = args.load_fraction * len(sync_saturated.ok) / sync_saturated.seconds
    seconds = args.requests / rate
    say(f"accept latency under the same load: {args.requests} requests paced at {rate:.1f}/s "
        f"({args.load_fraction:g} of the synchronous checkout's most) on each target, sagas running")
    busy = Busy()
    sync = paced(clients.monolith, count=args.requests, seconds=seconds)
    sync_busy = busy.elsewhere_cores()
    busy = Busy()
    async_run = paced(clients.checkout, count=args.requests, seconds=seconds)
    async_busy = busy.elsewhere_cores()
    return {"sync": LatencySummary.of(f"sync monolith, {rate:.0f}/s (200)", sync),
            "async": LatencySummary.of(f"async service, {rate:.0f}/s (202)", async_run),
            "sync_saturated": LatencySummary.of(f"sync, {args.clients} clients (200)", sync_saturated),
            "async_saturated": LatencySummary.of(f"async, {args.clients} clients (202)", async_saturated),
            "rate": rate, "sync_busy": sync_busy, "async_busy": async_busy,
            "async_accepted": len(async_run.ok) + len(async_saturated.ok) + len(warm.ok)}


def accept_only(system: CheckoutSystem, clients: Clients, args: argparse.Namespace) -> tuple[LatencySummary, Run]:
    """The same load on the async service with no worker consuming: the accept path alone. Its orders
    wait in the queue and are the start of the throughput part's burst."""
    say(f"accept latency, no worker consuming: {args.clients} clients x {args.requests} requests")
    run = closed_loop(clients.checkout, clients=args.clients, requests=args.requests)
    return LatencySummary.of("async service, no worker (202)", run), run


def throughput(system: CheckoutSystem, clients: Clients, args: argparse.Namespace, waiting: Run) -> dict[str, Any]:
    """`waiting`: orders already accepted with no worker running, which join the burst."""
    more = max(0, args.burst - len(waiting.ok))
    say(f"throughput: a burst of {len(waiting.ok) + more} accepted with no worker ({len(waiting.ok)} of them by "
        f"the part before), then one worker process (threads, concurrency {args.worker_concurrency}), "
        "processor at 50 ms")
    system.start_card_processor(CARD_SANDBOX_LATENCY_MS="50", GUNICORN_THREADS=SANDBOX_THREADS)
    burst = closed_loop(clients.checkout, clients=16, requests=more)
    order_ids, baseline = accepted_ids(waiting) + accepted_ids(burst), events(system)
    busy = Busy()
    worker = system.start_worker(concurrency=args.worker_concurrency, wait=False)
    wait_until_ready(worker)
    ready_at, ticks = time.time(), cpu.tree_ticks([worker.popen.pid])
    wait_for_events(system, baseline + len(order_ids))
    worker_seconds = cpu.ticks_to_seconds(cpu.tree_ticks([worker.popen.pid]) - ticks)
    elsewhere = busy.elsewhere_cores()
    orders = read_orders(system, order_ids)
    finished = finishing_times(orders)
    cpu_ms = worker_seconds * 1000 / len(finished) if finished else None
    return {"worker": worker, "burst": len(order_ids), "burst_errors": burst.errors, "finished": len(finished),
            "rate": drain_rate(finished, started=ready_at), "busy": elsewhere,
            "drain_seconds": (finished[-1] - ready_at) if finished else None,
            "worker_cpu_ms_per_order": cpu_ms, "cpu_ceiling": cpu_ceiling(cpu_ms)}


def spike(system: CheckoutSystem, clients: Clients, args: argparse.Namespace) -> dict[str, Any]:
    say(f"spike: {args.spike} checkouts paced over {args.spike_seconds:g} s, processor at "
        f"{args.spike_latency_ms} ms, the same worker process")
    system.start_card_processor(CARD_SANDBOX_LATENCY_MS=str(args.spike_latency_ms), GUNICORN_THREADS=SANDBOX_THREADS)
    baseline, busy = events(system), Busy()
    run = paced(clients.checkout, count=args.spike, seconds=args.spike_seconds)
    order_ids = accepted_ids(run)
    last_accept = max((a.sent_at + a.seconds for a in run.ok), default=time.monotonic())
    last_accept_wall = time.time() - (time.monotonic() - last_accept)
    wait_for_events(system, baseline + len(order_ids))
    elsewhere = busy.elsewhere_cores()
    orders = read_orders(system, order_ids)
    finished = finishing_times(orders)
    lost = sum(1 for order in orders.values() if order is None or not order.get("completed"))
    drain = (finished[-1] - last_accept_wall) if finished and not lost else None
    late = max((answer.late for answer in run.answers), default=0.0)
    answered = max((a.sent_at + a.seconds for a in run.answers), default=0.0) - min(
        (a.sent_at for a in run.answers), default=0.0)
    outcome = SpikeOutcome(sent=args.spike, accepted=len(run.ok), finished=len(finished), lost=lost,
                           accept_seconds=answered, drain_seconds=drain, window_seconds=args.spike_seconds)
    statuses: dict[str, int] = {}
    for order in orders.values():
        if order:
            statuses[order["status"]] = statuses.get(order["status"], 0) + 1
    return {"outcome": outcome, "latency": LatencySummary.of("async checkout, spike (202)", run),
            "busy": elsewhere, "late_s": late, "statuses": statuses}


# ---------------------------------------------------------------- the run
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    say(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    workdir = Path(tempfile.mkdtemp(prefix="checkout-bench-"))
    with throwaway_redis(workdir / "redis") as redis_url, running_checkout(
            workdir, card_processor_env={"CARD_SANDBOX_LATENCY_MS": "300", "GUNICORN_THREADS": SANDBOX_THREADS},
            workers=0, redis_url=redis_url) as system:
        system.set_stock(PRODUCT, 1_000_000)
        clients = Clients(system, monolith_token(system.monolith_url))
        saga_worker = system.start_worker(concurrency=args.worker_concurrency)
        latency = accept_latency(system, clients, args)
        say("letting the sagas of the latency part finish")
        wait_for_events(system, latency["async_accepted"])
        saga_worker.stop()
        latency["accept_only"], waiting = accept_only(system, clients, args)
        rate = throughput(system, clients, args, waiting)
        burst = spike(system, clients, args)
        step_errors = keep_logs(system, workdir / "logs")
    say(f"process logs kept in {workdir / 'logs'}")
    print_report(args, latency, rate, burst, step_errors)
    if args.json:
        args.json.write_text(json.dumps(as_json(args, latency, rate, burst) | {"step_errors": len(step_errors)},
                                        indent=2, default=str))
        say(f"wrote {args.json}")
    return 0


def print_report(args: argparse.Namespace, latency: dict[str, Any], rate: dict[str, Any],
                 burst: dict[str, Any], step_errors: list[str]) -> None:
    print()
    print(LATENCY_HEADER)
    print("-" * len(LATENCY_HEADER))
    for summary in (latency["sync"], latency["async"], latency["sync_saturated"], latency["async_saturated"],
                    latency["accept_only"], burst["latency"]):
        print(summary.row())
    saturated = ratio(latency["sync_saturated"].p99_ms, latency["async_saturated"].p99_ms)
    print(f"the same load: {latency['rate']:.1f} requests/s on each; at saturation ({args.clients} closed-loop "
          f"clients each) the async service answers many more per second, and its p99 is {_fmt(saturated)}× lower")
    print()
    print(f"throughput: {rate['finished']}/{rate['burst']} orders drained by one worker process in "
          f"{_fmt(rate['drain_seconds'])} s from ready: {_fmt(rate['rate'])} orders/s; worker CPU "
          f"{_fmt(rate['worker_cpu_ms_per_order'])} ms per order, so at most {_fmt(rate['cpu_ceiling'])} orders/s "
          "for one process (one core)")
    for line in spike_lines(burst["outcome"]):
        print(line)
    print(f"spike: statuses {burst['statuses']}; the latest request left {burst['late_s']:.2f} s behind its slot")
    print(f"busy elsewhere (cores of other work on the machine): latency sync {latency['sync_busy']:.2f}, "
          f"async {latency['async_busy']:.2f}; throughput {rate['busy']:.2f}; spike {burst['busy']:.2f}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"saga steps that failed with an exception (their message acknowledged, the order left to the "
          f"sweeper): {len(step_errors)}")
    for line in step_errors[:3]:
        print(f"  {_message(line)}")
    print()
    for criterion in criteria(sync=latency["sync"], async_=latency["async"], throughput=rate["rate"],
                              spike=burst["outcome"]):
        print(criterion.line())


def _message(line: str) -> str:
    try:
        return str(json.loads(line).get("message", line))[:200]
    except ValueError:
        return line[:200]


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def as_json(args: argparse.Namespace, latency: dict[str, Any], rate: dict[str, Any],
            burst: dict[str, Any]) -> dict[str, Any]:
    return {
        "arguments": {key: str(value) for key, value in vars(args).items()},
        "accept_latency": {"sync": asdict(latency["sync"]), "async": asdict(latency["async"]),
                           "rate_per_second": latency["rate"],
                           "sync_saturated": asdict(latency["sync_saturated"]),
                           "async_saturated": asdict(latency["async_saturated"]),
                           "async_no_worker": asdict(latency["accept_only"]),
                           "busy_elsewhere_cores": [latency["sync_busy"], latency["async_busy"]]},
        "throughput": {key: value for key, value in rate.items() if key != "worker"},
        "spike": {"outcome": asdict(burst["outcome"]), "latency": asdict(burst["latency"]),
                  "statuses": burst["statuses"], "busy_elsewhere_cores": burst["busy"]},
        "criteria": [{**asdict(c), "verdict": c.verdict} for c in criteria(
            sync=latency["sync"], async_=latency["async"], throughput=rate["rate"], spike=burst["outcome"])],
    }


if __name__ == "__main__":
    sys.exit(main())
