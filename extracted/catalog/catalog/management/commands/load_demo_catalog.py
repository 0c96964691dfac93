"""Load the monolith's demo catalogue into the service's own database, for a service that runs alone.

A stack's service gets the monolith's rows from the backfill its release runs (`strangler data release`);
a service run without a monolith (its own tests, the contract suite) gets the same products from the same
file (monolith/catalog/demo_catalog.json). Idempotent: descriptions, prices and pictures are brought up
to date; stock is set only when a product is first created, so running it again never undoes sales.
While another side owns the products (datasync: the monolith, until `strangler data switch-writes
catalog`), the rows here are the sync's alone and this loads nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from datasync.guard import NotOwner, ensure_owner
from extracted.catalog.catalog.cache import catalog_changed
from extracted.catalog.catalog.models import Product

DEMO_FILE = Path(__file__).resolve().parents[5] / "monolith" / "catalog" / "demo_catalog.json"


class Command(BaseCommand):
    help = "Create or update the demo catalogue (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ensure_owner(module="catalog", side="catalog")  # extracted/catalog/sync.py
        except NotOwner as refused:
            self.stdout.write(f"demo catalogue not loaded: {refused.message}")
            return
        created = updated = 0
        with transaction.atomic():
            for item in json.loads(DEMO_FILE.read_text()):
                made = _put(item)
                created += made
                updated += not made
            catalog_changed()
        self.stdout.write(f"demo catalogue loaded: {created} created, {updated} updated")


def _put(item: dict[str, Any]) -> bool:
    fields = {key: value for key, value in item.items() if key not in {"id", "stock"}}
    fields["image"] = f"catalog/img/{item['id']}.svg"
    changed = Product.objects.filter(pk=item["id"]).exclude(**fields).update(
        **fields, version=F("version") + 1, updated_at=timezone.now())
    if changed or Product.objects.filter(pk=item["id"]).exists():
        return False
    Product.objects.create(id=item["id"], stock=item["stock"], **fields)
    return True
