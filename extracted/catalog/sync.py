"""The catalogue's products as a datasync module: the monolith's `catalog_product` moved to the service.

Same table name, key and columns on both sides (the service's model keeps the monolith's). The service's
extra `version` column counts writes: a synced row starts at 1 and goes up by one per applied change; and
every applied change makes the service's cached API answers unreachable, as the service's own writes do.
"""

from chassis.env import env_str, env_url
from datasync.spec import Module, Side
from extracted.catalog.catalog.cache import AnswerCache, redis_client

COLUMNS = ("id", "name", "description", "price_cents", "currency", "image", "category", "keywords", "stock",
           "updated_at")


def answers_changed() -> None:
    """The service's kept API answers made unreachable, as its own writes do (extracted/catalog/catalog/cache.py)."""
    client = redis_client(env_url("REDIS_URL", schemes=("redis", "rediss")))
    AnswerCache(client, prefix=env_str("CATALOG_REDIS_PREFIX", "catalog"), seconds=1).changed()


CATALOG = Module(
    name="catalog",
    key="id",
    columns=COLUMNS,
    origin=Side(name="monolith", database_env="DATABASE_URL", table="catalog_product"),
    target=Side(name="catalog", database_env="CATALOG_DATABASE_URL", table="catalog_product",
                on_insert={"version": "1"}, on_update={"version": "catalog_product.version + 1"},
                after_apply=answers_changed),
)
