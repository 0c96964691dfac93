import datetime

from django.utils import timezone
from rest_framework.exceptions import ValidationError

from order_contract.fields import DeliveryDateField


def test_a_contract_datetime_keeps_its_date():
    today = timezone.localdate()
    assert DeliveryDateField().to_internal_value(f"{today.isoformat()}T10:00:00+00:00") == today


def test_a_delivery_date_field_refuses_the_past_and_the_far_future():
    field = DeliveryDateField(max_days_ahead=30)
    today = timezone.localdate()
    for bad, says in [((today - datetime.timedelta(days=1)).isoformat(), "in the past"),
                      ((today + datetime.timedelta(days=31)).isoformat(), "at most 30 days ahead"),
                      ("24/12/2026", "ISO date")]:
        try:
            field.to_internal_value(bad)
        except ValidationError as refused:
            assert says in str(refused.detail[0])
        else:
            raise AssertionError(f"{bad} was accepted")
