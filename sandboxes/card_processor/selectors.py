"""Every read the sandbox makes."""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.db.models import QuerySet
from django.db.models.fields.json import KeyTransform

from sandboxes.card_processor.errors import InvalidRequest, NotFound
from sandboxes.card_processor.models import LedgerEntry, PaymentIntent

_METADATA_KEY = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def intent_get(*, intent_id: str) -> PaymentIntent:
    intent = PaymentIntent.objects.filter(id=intent_id).first()
    if intent is None:
        raise NotFound("resource_missing", f"No such payment_intent: '{intent_id}'", param="intent")
    return intent


def ledger_list(*, metadata: Mapping[str, str]) -> QuerySet[LedgerEntry]:
    """Entries in the order they happened, keeping those whose metadata has every given key=value."""
    entries = LedgerEntry.objects.order_by("seq")
    for number, (key, value) in enumerate(metadata.items()):
        if not _METADATA_KEY.match(key):
            raise InvalidRequest("parameter_invalid_string", f"metadata key {key!r} is not a valid key.")
        # A key transform, not a `metadata__<key>` lookup: a key named like a lookup ("contains")
        # must still mean the key.
        alias = f"_metadata_{number}"
        entries = entries.alias(**{alias: KeyTransform(key, "metadata")}).filter(**{alias: value})
    return entries
