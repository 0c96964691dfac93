"""`manage.py strangler_urls`: every URL pattern of the project, as JSON on stdout.

    [{"pattern": "/v1/orders/<uuid:order_id>", "name": "order-detail",
      "view": "monolith.orders.apis.OrderDetailApi"}, ...]
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from strangler_django.urlconf import url_patterns


class Command(BaseCommand):
    help = "Print every URL pattern of the project's URLconf (pattern, name, view) as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--urlconf", default=None, help="A URLconf module other than ROOT_URLCONF.")

    def handle(self, *args: Any, **options: Any) -> None:
        patterns = url_patterns(options["urlconf"])
        self.stdout.write(json.dumps([pattern.as_dict() for pattern in patterns], indent=2))
