"""The catalogue's products as a datasync module: the monolith's `catalog_product` moved to the service.

Same table name, key and columns on both sides (the service's model keeps the monolith's). The service's
extra `version` column counts writes: a synced row starts at 1 and goes up by one per applied change.
"""

from datasync.spec import Module, Side

COLUMNS = ("id", "name", "description", "price_cents", "currency", "image", "category", "keywords", "stock",
           "updated_at")

CATALOG = Module(
    name="catalog",
    key="id",
    columns=COLUMNS,
    origin=Side(name="monolith", database_env="DATABASE_URL", table="catalog_product"),
    target=Side(name="catalog", database_env="CATALOG_DATABASE_URL", table="catalog_product",
                on_insert={"version": "1"}, on_update={"version": "catalog_product.version + 1"}),
)
