"""`manage.py strangler_urls`: the project's URL patterns joined through includes, as JSON."""

from __future__ import annotations

import io
import json

from django.core.management import call_command


def _patterns() -> dict[str, dict[str, str | None]]:
    out = io.StringIO()
    call_command("strangler_urls", stdout=out)
    return {entry["pattern"]: entry for entry in json.loads(out.getvalue())}


def test_included_patterns_are_joined_into_full_paths_with_their_converters():
    entry = _patterns()["/v1/orders/<uuid:order_id>"]
    assert entry == {"pattern": "/v1/orders/<uuid:order_id>", "name": "order-detail",
                     "view": "monolith.orders.apis.OrderDetailApi"}


def test_function_views_and_the_apps_own_endpoint_are_listed():
    entry = _patterns()["/internal/identity"]
    assert entry["view"] == "strangler_django.views.identity_view"
    assert entry["name"] == "internal-identity"


def test_namespaced_names_carry_their_namespace():
    names = {entry["name"] for entry in _patterns().values()}
    assert "admin:index" in names
