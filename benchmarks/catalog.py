"""The catalogue benchmark: product search through the kit's proxy, served by the monolith, by the catalogue
service without its cache, and by the service with its cache warm. One run, one machine, one proxy.

    .venv/bin/python -m benchmarks.catalog                   3 interleaved repeats of 5 s per configuration
    .venv/bin/python -m benchmarks.catalog --quick           1 repeat of 2 s (a smoke run)
    .venv/bin/python -m benchmarks.catalog --products 0      the demo catalogue alone (25 products)
    .venv/bin/python -m benchmarks.catalog --json out.json   also write every sample as JSON

Started, on free loopback ports: a throwaway Redis (the proxy's live route states, the API cache and the
popular-search counts); the monolith from its Procfile line, released into a throwaway database; the
catalogue service twice over one database of its own (devstack.catalog, released: migrations and the
demo catalogue), once with CATALOG_CACHE_SECONDS=0 (the cache off, as its settings document it) and
once with the cache on; and the kit's proxy from the Procfile's web line. The databases are of the kind
DATABASE_URL names (PostgreSQL when it names one, else SQLite). The monolith's table gets `--products`
generated rows beside the demo catalogue (devstack.datasync.fill_products, one SQL statement), and the
data migration copies them to the service's (`strangler data sync-on catalog`, then `backfill`).

The searches are the assistant's own: SEARCHES holds what the monolith's NLU makes of twelve phrases
(words, category, price cap; a test holds them to it), sent with the 5 results the assistant shows.
wrk asks them in turn (a generated Lua script), and every configuration gets the same list. Before
measuring, every search is asked of the monolith and of the service directly, and both must answer the
same products.

The `products` route is moved with the `strangler` command, as an operator moves it, between runs on the
same proxy process: `canary products --candidate U --percent 100` then `promote products` puts the
service U behind the route; `rollback products` gives it back to the monolith. Each run waits until the
proxy serves the new state. Each repeat goes round the configurations in a rotated order, each with
1 s of load first (which also fills the cache of the cached service), then wrk at 1 connection
(latency) and at 32 connections (throughput). The table shows medians over repeats and ratios to the
monolith-served figures of the same run.

Why so: one proxy process serves all three configurations (rather than a proxy per route table), so
the proxy is the same in each and only what serves the route changes, moved as an operator moves it.
The cache is switched off by its own variable rather than bypassed with distinct searches, so all three
configurations ask exactly the same searches; the uncached service therefore pays no cache look-up or
store either (a cold cache would cost one Redis GET and one SET more per miss).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlencode

import redis
import requests

from benchmarks import cpu, report
from benchmarks.controls import ADMIN_TOKEN, Controls
from benchmarks.install import ensure_debian_packages
from benchmarks.load import WrkOutputError, run_wrk
from benchmarks.processes import ROOT, ServerFailedError, base_env
from benchmarks.proxy import Reading, run_options, say, settle_run_options
from benchmarks.stack import Stack
from datasync.sql import DatabaseError
from datasync.store import open_sides
from devstack.catalog import Deployable, running_catalog
from devstack.databases import throwaway_database_url
from devstack.datasync import CATALOG, SETTINGS_ENV, fill_products

ROUTE = "products"
SEARCH_PATH = "/v1/products"
RESULTS_SHOWN = 5  # the assistant shows five products (monolith/assistant/services.py)
CONFIGURATIONS = ("monolith", "service", "service+cache")
CONNECTIONS = (1, 32)
# The service behind the route in each configuration: the catalogue's own upstream (its cache off here)
# and one added for the same service with its cache on.
UPSTREAMS = {"service": "catalog", "service+cache": "catalog-cached"}
ADDED_UPSTREAM = """
# Added by benchmarks/catalog.py: the catalogue service again, with its API cache on.
[upstreams.catalog-cached]
url_env = "CATALOG_CACHED_URL"
health_path = "/healthz"
"""
# What shoppers type, and the search the assistant makes of each (its NLU's words, category and price
# cap: tests/benchmarks/test_catalog_benchmark.py holds them to monolith.assistant.nlu).
SEARCHES: dict[str, dict[str, str | int]] = {
    "I'd like to buy a box of chocolates": {"q": "chocolates", "category": "chocolates"},
    "chocolates under $30": {"q": "chocolates", "category": "chocolates", "maxPriceCents": 3000},
    "a dozen red roses": {"q": "dozen red roses", "category": "flowers"},
    "flowers under $40": {"q": "flowers", "category": "flowers", "maxPriceCents": 4000},
    "a bottle of wine for under $20": {"q": "wine", "category": "wine", "maxPriceCents": 2000},
    "champagne": {"q": "champagne", "category": "wine"},
    "a teddy bear": {"q": "teddy bear", "category": "gifts"},
    "gift ideas under $25": {"q": "gift ideas", "category": "gifts", "maxPriceCents": 2500},
    "a city walking tour": {"q": "city walking tour", "category": "tours"},
    "a hotel room for the weekend": {"q": "hotel room weekend", "category": "hotels"},
    "a spa day with a massage": {"q": "spa day massage", "category": "experiences"},
    "a hot-air balloon ride": {"q": "hot air balloon ride", "category": "experiences"},
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.catalog", description=__doc__.split("\n\n")[0])
    run_options(parser, measured="configuration")
    parser.add_argument("--products", type=int, default=10_000,
                        help="generated products added to the demo catalogue's 25 on both sides (default 10000)")
    args = parser.parse_args(argv)
    settle_run_options(args)
    if args.products < 0:
        parser.error("--products must be 0 or more")
    return args


# ---------------------------------------------------------------- the searches
def search_paths(searches: Iterable[Mapping[str, str | int]] = SEARCHES.values()) -> list[str]:
    """The catalogue API call the assistant makes for each search, five results as it shows."""
    return [f"{SEARCH_PATH}?{urlencode({**search, 'limit': RESULTS_SHOWN})}" for search in searches]


def lua_script(paths: Sequence[str]) -> str:
    """A wrk script that makes each request the next path of `paths` (each thread going round them)."""
    quoted = ",\n  ".join(json.dumps(path) for path in paths)  # JSON strings of ASCII are Lua strings too
    return ("-- Generated by benchmarks/catalog.py: every request the next search of the list.\n"
            f"local paths = {{\n  {quoted}\n}}\n"
            "local at = 0\n"
            "request = function()\n"
            "  at = at % #paths + 1\n"
            "  return wrk.format(\"GET\", paths[at])\n"
            "end\n")


def table_with_cached_upstream(workdir: Path) -> Path:
    """The kit's routes.toml with an upstream for the cached service beside the catalogue's own."""
    text = (ROOT / "strangler_proxy" / "routes.toml").read_text()
    plans = text.index("\n[plans]")
    path = workdir / "catalog-routes.toml"
    path.write_text(text[:plans] + "\n" + ADDED_UPSTREAM + text[plans:])
    return path


# ---------------------------------------------------------------- the system
@dataclass
class System:
    stack: Stack
    proxy_url: str
    proxy_pid: int
    # Who serves the route in each configuration: (url, pid of its process tree).
    served_by: dict[str, tuple[str, int]]
    cached: Deployable
    uncached: Deployable

    @property
    def pids(self) -> list[int]:
        return [server.pid for server in self.stack.servers] + [self.cached.process.popen.pid,
                                                                 self.uncached.process.popen.pid]


@contextmanager
def running_system(workdir: Path, products: int) -> Iterator[tuple[System, Controls]]:
    stack = Stack(workdir, web_concurrency=2, say=say)
    with ExitStack() as cleanup:
        stack.database_url = cleanup.enter_context(throwaway_database_url(_folder(workdir / "monolith-db")))
        cleanup.callback(stack.stop)  # before the database goes; after the services, which use its Redis
        stack.start_redis(None)  # a throwaway Redis: the live states, cache and counts touch nobody's
        monolith = stack.start_monolith()
        # The service as the monolith is served: as many processes and threads (gunicorn's defaults here).
        same = {"WEB_CONCURRENCY": "2", "GUNICORN_THREADS": base_env({}).get("GUNICORN_THREADS", "4"),
                "IDENTITY_SIGNING_KEYS": stack.identity_key}
        say("starting the catalogue service without its cache (CATALOG_CACHE_SECONDS=0)")
        uncached = cleanup.enter_context(running_catalog(workdir / "service", redis_url=stack.redis_url,
                                                         CATALOG_CACHE_SECONDS="0", **same))
        say("starting the catalogue service again over the same database, its cache on")
        cached = cleanup.enter_context(running_catalog(workdir / "service-cached", redis_url=stack.redis_url,
                                                       DATABASE_URL=uncached.env["DATABASE_URL"], **same))
        fill(stack.database_url, cached, products)
        overrides = {"ROUTES_FILE": str(table_with_cached_upstream(workdir)), "PROXY_ADMIN_TOKEN": ADMIN_TOKEN,
                     "CATALOG_UPSTREAM_URL": uncached.url, "CATALOG_CACHED_URL": cached.url}
        kit = stack.start_kit(monolith, **overrides)
        if kit is None:
            raise ServerFailedError(stack.kit_source)
        cli_env = base_env({**overrides, "REDIS_URL": stack.redis_url, "MONOLITH_URL": monolith.url})
        served_by = {"monolith": (monolith.url, monolith.pid), "service": (uncached.url, uncached.process.popen.pid),
                     "service+cache": (cached.url, cached.process.popen.pid)}
        yield System(stack, kit.url, kit.pid, served_by, cached, uncached), Controls(cli_env, kit.url)


def fill(monolith_database: str, service: Deployable, products: int) -> None:
    """`products` generated rows in the monolith's table beside the demo catalogue, copied to the
    service's by `strangler data sync-on` and `backfill`, as a team moves the catalogue."""
    if not products:
        return
    with open_sides(CATALOG, {"DATABASE_URL": monolith_database, "CATALOG_DATABASE_URL": service.env["DATABASE_URL"]}) as sides:
        fill_products(sides.origin, products)
    say(f"added {products:,} generated products to the monolith's demo catalogue; copying them to the service's")
    env = base_env({**SETTINGS_ENV, "DATABASE_URL": monolith_database, "CATALOG_DATABASE_URL": service.env["DATABASE_URL"],
                    "REDIS_URL": service.env["REDIS_URL"], "CATALOG_REDIS_PREFIX": service.env["CATALOG_REDIS_PREFIX"]})
    for phase in ("sync-on", "backfill"):
        done = subprocess.run([sys.executable, "-m", "strangler_proxy.cli", "data", phase, "catalog"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise ServerFailedError(f"strangler data {phase} catalog failed:\n{done.stdout}{done.stderr}")
        copied = [line.strip() for line in done.stdout.splitlines() if "rows copied" in line]
        say(f"strangler data {phase} catalog: {copied[0] if copied else 'done'}")


def check_same_answers(system: System, paths: Sequence[str]) -> list[int]:
    """Each search's product ids from the monolith and the service, asked directly; they must agree."""
    counts = []
    for path in paths:
        found = {name: _ids(system.served_by[name][0] + path) for name in ("monolith", "service")}
        if found["monolith"] != found["service"]:
            raise ServerFailedError(f"{path}: the monolith answers {found['monolith']}, the service {found['service']}")
        counts.append(len(found["monolith"]))
    return counts


def _ids(url: str) -> list[str]:
    answer = requests.get(url, timeout=10)
    if answer.status_code != 200:
        raise ServerFailedError(f"GET {url} answered {answer.status_code}: {answer.text[:300]}")
    return [product["id"] for product in answer.json()["products"]]


# ---------------------------------------------------------------- moving the route
class Router:
    """The `products` route moved with the `strangler` command between the monolith and a service."""

    def __init__(self, controls: Controls) -> None:
        self.controls = controls
        self.now = "monolith"

    def serve(self, configuration: str) -> None:
        if configuration == self.now:
            return
        if self.now != "monolith":
            self.controls.run("rollback", ROUTE, "--reason", "benchmark")
        if configuration != "monolith":
            self.controls.run("canary", ROUTE, "--candidate", UPSTREAMS[configuration], "--percent", "100",
                              "--reason", "benchmark")
            self.controls.run("promote", ROUTE, "--reason", "benchmark")
        self.now = configuration
        self.controls.wait_served(self.controls.version())


# ---------------------------------------------------------------- measuring
def measure(system: System, configuration: str, connections: int, *, repeat: int, seconds: float, wrk: str,
            script: Path) -> report.Sample:
    upstream_pid = system.served_by[configuration][1]
    before = Reading.now(system.proxy_pid, upstream_pid, system.pids)
    result = run_wrk(system.proxy_url + SEARCH_PATH, connections=connections, seconds=seconds, wrk=wrk, script=script)
    after = Reading.now(system.proxy_pid, upstream_pid, system.pids)
    ours = cpu.ticks_to_seconds(after.servers - before.servers) + after.load_generator - before.load_generator
    elsewhere = cpu.ticks_to_seconds(after.machine - before.machine) - ours
    return report.Sample(
        target=configuration, endpoint="search", connections=connections, repeat=repeat,
        requests=result.requests, requests_per_second=result.requests_per_second, p50_ms=result.p50_ms,
        p99_ms=result.p99_ms, errors=result.errors,
        proxy_cpu_us=cpu.microseconds_per_request(after.proxy - before.proxy, result.requests),
        monolith_cpu_us=cpu.microseconds_per_request(after.monolith - before.monolith, result.requests),
        elsewhere_cores=max(0.0, elsewhere / (after.wall - before.wall)))


def measure_all(system: System, router: Router, args: argparse.Namespace, wrk: str,
                script: Path) -> list[report.Sample]:
    samples = []
    for repeat in range(args.repeats):
        shift = repeat % len(CONFIGURATIONS)
        for configuration in CONFIGURATIONS[shift:] + CONFIGURATIONS[:shift]:
            router.serve(configuration)
            run_wrk(system.proxy_url + SEARCH_PATH, connections=32, seconds=1, wrk=wrk, script=script)
            for connections in CONNECTIONS:
                sample = measure(system, configuration, connections, repeat=repeat, seconds=args.duration,
                                 wrk=wrk, script=script)
                samples.append(sample)
                if sample.errors:
                    say(f"{configuration} {connections}: {sample.errors} errors (non-2xx or socket)")
        say(f"repeat {repeat + 1}/{args.repeats} done, load average {os.getloadavg()[0]:.2f}")
    return samples


def kept_answers(system: System) -> dict[str, int]:
    """How many answers each service keeps in its cache (Redis keys under its prefix)."""
    client = redis.Redis.from_url(system.stack.redis_url)
    try:
        return {name: sum(1 for _ in client.scan_iter(match=f"{deployable.env['CATALOG_REDIS_PREFIX']}:answers:*"))
                for name, deployable in (("service", system.uncached), ("service+cache", system.cached))}
    finally:
        client.close()


# ---------------------------------------------------------------- output
def ratio_lines(rows: dict[report.Key, report.Row]) -> list[str]:
    """Each configuration's figures and their ratios to the monolith-served ones at the same connections."""
    header = (f"{'served by':<14} {'conns':>5} {'req/s':>8} {'× mono':>7} {'p50 ms':>8} {'× mono':>7} {'p99 ms':>8} "
              f"{'× mono':>7} {'proxy CPU µs/req':>17} {'upstream CPU µs/req':>20} {'errors':>7} {'busy elsewhere':>15}")
    lines = [header, "-" * len(header)]
    for connections in CONNECTIONS:
        base = rows.get(("monolith", "search", connections))
        for configuration in CONFIGURATIONS:
            row = rows.get((configuration, "search", connections))
            if row is None:
                continue
            lines.append(
                f"{configuration:<14} {connections:>5} {row.requests_per_second:>8.0f} "
                f"{_times(row, base, 'requests_per_second'):>7} "
                f"{row.p50_ms:>8.2f} {_times(row, base, 'p50_ms'):>7} "
                f"{row.p99_ms:>8.2f} {_times(row, base, 'p99_ms'):>7} "
                f"{_cell(row.proxy_cpu_us):>17} {_cell(row.monolith_cpu_us):>20} {row.errors:>7} "
                f"{row.elsewhere_cores:>9.2f} cores")
        lines.append("")
    return lines[:-1]


def _times(row: report.Row, base: report.Row | None, field: str) -> str:
    below = getattr(base, field) if base else 0.0
    return f"{getattr(row, field) / below:.2f}×" if below else "—"


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def print_results(samples: Sequence[report.Sample], meta: dict) -> dict[report.Key, report.Row]:
    rows = report.summarise(samples)
    print()
    print(f"Medians over {meta['repeats']} interleaved repeat(s) of {meta['duration_s']:g} s; {meta['cpus']} CPUs; "
          f"load average before {meta['load_before']:.2f}, after {meta['load_after']:.2f}")
    print(f"catalogue: the demo's 25 products + {meta['products']:,} generated, on each side; databases: "
          f"{meta['database']}")
    print(f"searches: {len(meta['paths'])} the assistant makes, asked in turn (products found: "
          f"{', '.join(map(str, meta['matches']))}), e.g. {meta['paths'][1]}")
    print(f"kit's proxy: {meta['kit']}")
    print(f"answers kept in each service's cache after the run: {meta['kept']}")
    print()
    print("\n".join(ratio_lines(rows)))
    print()
    print("× mono: the configuration's figure over the monolith-served one at the same connections, this run.")
    print("CPU µs/req: utime+stime of the process tree (master and workers) over the requests wrk completed; "
          "upstream: whoever serves the route. The database server's CPU is not in it: it counts in busy elsewhere, "
          "with any other work on the machine.")
    return rows


# ---------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    wrk = ensure_debian_packages({"wrk": "wrk"}, say)["wrk"]
    workdir = Path(tempfile.mkdtemp(prefix="catalog-bench-"))
    paths = search_paths()
    script = workdir / "searches.lua"
    script.write_text(lua_script(paths))
    meta = {"repeats": args.repeats, "duration_s": args.duration, "cpus": os.cpu_count(), "products": args.products,
            "load_before": os.getloadavg()[0], "paths": paths,
            "database": "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"}
    try:
        with running_system(workdir, args.products) as (system, controls):
            meta["kit"] = system.stack.kit_source
            meta["matches"] = check_same_answers(system, paths)
            samples = measure_all(system, Router(controls), args, wrk, script)
            meta["kept"] = kept_answers(system)
        meta["load_after"] = os.getloadavg()[0]
    except KeyboardInterrupt:
        say("interrupted; stopping every server")
        return 130
    except (ServerFailedError, WrkOutputError, DatabaseError, AssertionError, requests.RequestException) as exc:
        say(f"failed: {exc}")
        args.keep_logs = True
        return 1
    finally:
        if args.keep_logs:
            say(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    rows = print_results(samples, meta)
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "samples": [asdict(sample) for sample in samples],
                                         "medians": [asdict(row) for row in rows.values()]}, indent=2) + "\n")
        say(f"wrote {args.json}")
    return 0


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _interrupt(signum: int, frame: object) -> None:
    """Ctrl-C and SIGTERM unwind, so every server is stopped on the way out."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
