"""The dashboard's "Data migration" section, read in headless Chromium: the catalogue's data synced and
backfilled by the phases themselves, then a drift found by a reconciliation, each step publishing the
module's summary to Redis. Photographed into `screenshots/` (ignored by git)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from datasync import phases
from datasync.published import key_of
from datasync.reconcile import reconcile
from datasync.store import open_sides
from datasync.summary import Publisher
from devstack.datasync import CATALOG, Pair, catalog_pair, fill_products
from tests.strangler_proxy.dashboard.conftest import opened
from tests.strangler_proxy.upstreams.processes import Running
from tests.support.browser import DESKTOP, SCREENSHOTS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with catalog_pair(tmp_path_factory.mktemp("dashboard-datasync")) as made:
        yield made


@pytest.fixture
def migrated(pair: Pair, redis_client: redis.Redis, redis_server: str) -> Iterator[None]:
    """300 products synced and backfilled, then one changed behind the sync's back and found by a reconciliation."""
    redis_client.delete(key_of("catalog"))
    publisher = Publisher(redis.Redis.from_url(redis_server))
    try:
        with open_sides(CATALOG, pair.env, publisher=publisher) as sides:
            fill_products(sides.origin, 300)
            phases.sync_on(sides)
            phases.start_backfill(sides, batch=100)
            with sides.target.transaction():
                sides.target.mark_applying()
                sides.target.execute("UPDATE catalog_product SET name = 'drifted' WHERE id = 'p-0000042'")
                sides.target.unmark_applying()
            reconcile(sides)
    finally:
        publisher.close()
    yield
    redis_client.delete(key_of("catalog"))


def test_the_data_migration_section_shows_each_modules_phase_backfill_and_last_reconciliation(
        chromium, proxy: Running, migrated: None) -> None:
    page = opened(chromium, proxy, DESKTOP)
    section = page.locator("#datasync")
    row = section.locator("tbody tr", has_text="catalog")
    cells = [cell.inner_text().strip() for cell in row.locator("td").all()]
    assert cells[0] == "catalog"
    assert cells[1] == "backfilled"
    assert cells[2] == "monolith · monolith"
    assert cells[3] == "0"
    assert cells[5] == "0"  # no row parked: the service refused none
    assert cells[6] == "300 rows in 3 batches, 0 in flight"
    assert cells[7].startswith("1 difference ") and "0 missing, 0 extra, 1 differing" in cells[7]
    SCREENSHOTS.mkdir(exist_ok=True)
    section.screenshot(path=str(SCREENSHOTS / "dashboard-datasync.png"))
    page.screenshot(path=str(SCREENSHOTS / "dashboard-datasync-full.png"), full_page=True)
