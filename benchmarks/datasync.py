"""The data-migration benchmark: datasync's backfill and reconciliation against their baselines, in one run.

    .venv/bin/python -m benchmarks.datasync                        20,000 rows for speed; 1k, 100k, 1M for memory
    .venv/bin/python -m benchmarks.datasync --rows 5000 --sizes 1000,10000,100000     a quicker run

Two throwaway databases (PostgreSQL when DATABASE_URL names a server, else SQLite files), migrated as the
monolith's and the catalogue service's, hold the catalogue's products (devstack/datasync.py). Three parts:

1. backfill speed: the same --rows rows copied by `datasync.backfill` (keyset batches of 1,000 as JSON in
   SQL, a checksum per batch) and by a naive Django ORM loop (iterate the monolith's products, `save()`
   each into the service's table); rows/s of each and their ratio. Target: at least 20x.
2. backfill memory as the table grows (--sizes): the peak of Python allocations during the backfill
   (tracemalloc, reset per size) and the process's peak RSS after it. Target: flat.
3. reconciliation of the largest size: both sides equal, then one row changed on the service's side,
   each timed against a plain COUNT(*) of the same table on both sides at once (best of 3), as the
   reconciliation reads them: here both databases share the machine's cores, so a two-sided read
   against a one-sided count would charge the reconciliation for the other database's share of them.
   Target: within 10x. The ratio to one side's COUNT(*) is printed beside it.

It prints a table and PASS / MISS per target.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis

from datasync import phases
from datasync.backfill import backfill
from datasync.reconcile import reconcile
from devstack.datasync import Pair, catalog_pair, fill_products


def _seconds(action: Callable[[], Any], *, best_of: int = 1) -> float:
    times = []
    for _ in range(best_of):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def backfill_rate(pair: Pair, rows: int) -> float:
    pair.reset()
    with pair.sides() as sides:
        fill_products(sides.origin, rows)
        phases.sync_on(sides)
        elapsed = _seconds(lambda: backfill(sides, batch=1000))
        assert sides.target.count(sides.module) == rows
    return rows / elapsed


@contextmanager
def _django(pair: Pair) -> Iterator[None]:
    """Django in this process, with the monolith's database as `default` and the service's as `target`."""
    import django
    from django.conf import settings

    from chassis.env import database_config

    if not settings.configured:
        settings.configure(DATABASES={"default": database_config(pair.env["DATABASE_URL"]),
                                      "target": database_config(pair.env["CATALOG_DATABASE_URL"])},
                           INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "monolith.catalog"],
                           USE_TZ=True, TIME_ZONE="UTC", DEFAULT_AUTO_FIELD="django.db.models.BigAutoField")
        django.setup()
    yield
    from django.db import connections

    connections.close_all()


def naive_rate(pair: Pair, rows: int) -> float:
    """The ORM loop a team would write first: every product read and saved into the other database."""
    pair.reset()
    with pair.sides() as sides:
        fill_products(sides.origin, rows)
    with _django(pair):
        from monolith.catalog.models import Product

        def copy() -> None:
            for product in Product.objects.order_by("pk").iterator(chunk_size=1000):
                product.save(using="target")

        with pair.sides() as sides:  # the service's table has a NOT NULL `version` the monolith's model lacks
            sides.target.execute("ALTER TABLE catalog_product ALTER COLUMN version SET DEFAULT 1"
                                 if sides.target.kind == "postgresql" else "SELECT 1")
        elapsed = _seconds(copy)
        with pair.sides() as sides:
            assert sides.target.count(sides.module) == rows
    return rows / elapsed


def memory_at(pair: Pair, rows: int) -> tuple[float, float]:
    """(peak Python allocations in MiB during the backfill, the process's peak RSS in MiB after it)."""
    pair.reset()
    with pair.sides() as sides:
        fill_products(sides.origin, rows)
        phases.sync_on(sides)
        tracemalloc.start()
        tracemalloc.reset_peak()
        backfill(sides, batch=1000)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / 2**20, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reconcile_ratios(pair: Pair, rows: int) -> dict[str, float]:
    """Reconciliation of the table as it stands (both sides equal), then with one row changed, over COUNT(*)."""
    with pair.sides() as sides:
        if sides.origin.kind == "postgresql":  # statistics as autovacuum leaves them after a large insert
            sides.origin.execute("ANALYZE catalog_product")
            sides.target.execute("ANALYZE catalog_product")
        count = _seconds(lambda: sides.origin.count(sides.module), best_of=3)
        with ThreadPoolExecutor(max_workers=2) as pool:  # as the reconciliation reads them: both at once
            count_both = _seconds(lambda: [part.result() for part in [
                pool.submit(side.count, sides.module) for side in (sides.origin, sides.target)]], best_of=3)
        equal = _seconds(lambda: reconcile(sides, record=False), best_of=3)
        assert reconcile(sides, record=False).differences == 0
        with sides.target.transaction():
            sides.target.mark_applying()
            sides.target.execute("UPDATE catalog_product SET keywords = 'changed' WHERE id = %s",
                                 [f"p-{rows // 2:07d}"])
            sides.target.unmark_applying()
        found: list[int] = []
        one = _seconds(lambda: found.append(reconcile(sides, record=False).differences), best_of=3)
        assert found == [1, 1, 1]
    return {"count": count, "count_both": count_both, "equal": equal, "one": one}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000, help="rows both copies move (default 20,000)")
    parser.add_argument("--sizes", default="1000,100000,1000000",
                        help="table sizes for the memory part; the largest is reconciled (default 1k,100k,1M)")
    options = parser.parse_args()
    # The catalogue side's applied changes invalidate the service's API cache in Redis: a prefix of this run's.
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ["CATALOG_REDIS_PREFIX"] = f"datasync-bench-{uuid.uuid4().hex[:10]}"
    sizes = sorted(int(size) for size in options.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="datasync-bench-") as folder, catalog_pair(Path(folder)) as pair:
        kind = "PostgreSQL" if pair.env["DATABASE_URL"].startswith("postgres") else "SQLite"
        print(f"datasync benchmark on {kind}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        fast, slow = backfill_rate(pair, options.rows), naive_rate(pair, options.rows)
        print(f"\n1. backfill of {options.rows:,} rows")
        print(f"   datasync backfill   {fast:>12,.0f} rows/s")
        print(f"   naive ORM loop      {slow:>12,.0f} rows/s")
        print(f"   ratio               {fast / slow:>12.1f}x   target >= 20x: {'PASS' if fast / slow >= 20 else 'MISS'}")
        print("\n2. backfill memory as the table grows")
        peaks = []
        for size in sizes:
            peak, rss = memory_at(pair, size)
            peaks.append(peak)
            print(f"   {size:>10,} rows   peak allocations {peak:8.2f} MiB   process peak RSS {rss:8.1f} MiB")
        flat = peaks[-1] <= peaks[0] * 1.5 + 1
        print(f"   largest / smallest peak {peaks[-1] / peaks[0]:.2f}x   target flat: {'PASS' if flat else 'MISS'}")
        times = reconcile_ratios(pair, sizes[-1])
        print(f"\n3. reconciliation of {sizes[-1]:,} rows (best of 3)")
        print(f"   COUNT(*), one side                 {times['count'] * 1000:10.1f} ms")
        print(f"   COUNT(*), both sides at once       {times['count_both'] * 1000:10.1f} ms")
        for name, label in (("equal", "equal rows"), ("one", "one row differs")):
            ratio, alone = times[name] / times["count_both"], times[name] / times["count"]
            print(f"   {label:<34} {times[name] * 1000:10.1f} ms   {ratio:6.1f}x both COUNT(*)s   target <= 10x: "
                  f"{'PASS' if ratio <= 10 else 'MISS'}   ({alone:.1f}x one side's)")
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.delete(f"{os.environ['CATALOG_REDIS_PREFIX']}:generation")
    client.close()


if __name__ == "__main__":
    main()
