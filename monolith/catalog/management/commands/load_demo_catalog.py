"""Load the demo catalogue; safe to run on every release.

Descriptions, prices and pictures are brought up to date; stock is set only when a product is first
created, so a release never undoes sales. Once the products' writes have moved to the catalogue service
(datasync), the monolith's copy is the sync's alone and this loads nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from datasync.guard import NotOwner, ensure_owner
from monolith.catalog.models import Product
from monolith.catalog.services import DATASYNC_MODULE, DATASYNC_SIDE

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo_catalog.json"


def demo_products() -> list[dict[str, Any]]:
    return json.loads(DEMO_FILE.read_text())


@transaction.atomic
def load(products: list[dict[str, Any]]) -> tuple[int, int]:
    created = updated = 0
    for item in products:
        fields = {key: value for key, value in item.items() if key not in {"id", "stock"}}
        fields["image"] = f"catalog/img/{item['id']}.svg"
        _, was_created = Product.objects.update_or_create(
            id=item["id"], defaults=fields, create_defaults={**fields, "stock": item["stock"]})
        created += was_created
        updated += not was_created
    return created, updated


class Command(BaseCommand):
    help = "Create or update the demo catalogue (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ensure_owner(module=DATASYNC_MODULE, side=DATASYNC_SIDE)
        except NotOwner as refused:
            self.stdout.write(f"demo catalogue not loaded: {refused.message}")
            return
        created, updated = load(demo_products())
        self.stdout.write(f"demo catalogue loaded: {created} created, {updated} updated")
