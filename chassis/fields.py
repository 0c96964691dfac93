"""Serializer fields for the shapes of the public contract that every deployable must read alike."""

from __future__ import annotations

import datetime
from typing import Any

from rest_framework import serializers


class ContractDateField(serializers.Field):
    """An ISO date, or an ISO datetime (the contract's `format: datetime`) of which the date is kept."""

    default_error_messages = {"invalid": "Expected an ISO date such as 2026-12-24."}

    def to_internal_value(self, data: Any) -> datetime.date:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            if len(data) > 10:
                return datetime.datetime.fromisoformat(data).date()
            return datetime.date.fromisoformat(data)
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value: datetime.date) -> str:
        return value.isoformat()
