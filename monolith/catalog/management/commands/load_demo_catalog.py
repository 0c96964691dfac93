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
from django.utils import timezone

from datasync.guard import NotOwner, ensure_owner
from monolith.catalog.models import Product
from monolith.catalog.services import DATASYNC_MODULE, DATASYNC_SIDE

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo_catalog.json"


def demo_products() -> list[dict[str, Any]]:
    return json.loads(DEMO_FILE.read_text())


@transaction.atomic
def load(products: list[dict[str, Any]]) -> tuple[int, int]:
    """(created, updated): a product already as the file says is not written at all, so a release captures
    no change for the data sync and its `updated_at` keeps telling when it really changed."""
    created = updated = 0
    for item in products:
        fields = {key: value for key, value in item.items() if key not in {"id", "stock"}}
        fields["image"] = f"catalog/img/{item['id']}.svg"
        changed = Product.objects.filter(pk=item["id"]).exclude(**fields).update(**fields, updated_at=timezone.now())
        if not changed and not Product.objects.filter(pk=item["id"]).exists():
            Product.objects.create(id=item["id"], stock=item["stock"], **fields)
            created += 1
        updated += changed
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
