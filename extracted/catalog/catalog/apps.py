from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "extracted.catalog.catalog"
    # The monolith's label: the tables are catalog_product and catalog_reservation on both sides, so the
    # data-migration tools compare and copy rows one to one.
    label = "catalog"
    default_auto_field = "django.db.models.BigAutoField"
