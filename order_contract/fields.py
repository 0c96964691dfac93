"""Serializer fields for the shapes of the public contract that every deployable must read alike."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(OpenApiTypes.DATE)  # described as an ISO date; the subclasses inherit it
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


# How far ahead the shop delivers: the same window for every checkout, the monolith's and the service's.
DELIVERY_MAX_DAYS_AHEAD = 365


class DeliveryDateField(ContractDateField):
    """A contract date that is today or later, and at most `max_days_ahead` days away."""

    default_error_messages = {
        **ContractDateField.default_error_messages,
        "past": "The delivery date is in the past.",
        "too_far": "We deliver at most {days} days ahead.",
    }

    def __init__(self, *, max_days_ahead: int = DELIVERY_MAX_DAYS_AHEAD, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_days_ahead = max_days_ahead

    def to_internal_value(self, data: Any) -> datetime.date:
        value = super().to_internal_value(data)
        today = timezone.localdate()
        if value < today:
            self.fail("past")
        if value > today + datetime.timedelta(days=self.max_days_ahead):
            self.fail("too_far", days=self.max_days_ahead)
        return value
