from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from chassis.errors import drf_exception_handler


class _Item(serializers.Serializer):
    name = serializers.CharField()


def _message_for(data) -> tuple[int, str]:
    serializer = _Item(data=data, many=True)
    try:
        serializer.is_valid(raise_exception=True)
    except ValidationError as exc:
        response = drf_exception_handler(exc, {})
        return response.data["code"], response.data["message"]
    raise AssertionError("expected invalid input")


def test_a_list_error_after_a_valid_item_names_the_failing_field():
    code, message = _message_for([{"name": "ok"}, {}])
    assert code == 400 and message.endswith("name: This field is required.")


def test_a_non_list_is_summarised_without_crashing():
    code, message = _message_for("not a list")
    assert code == 400 and "list" in message


def test_a_django_404_raised_in_a_drf_view_has_the_error_shape():
    from django.http import Http404

    response = drf_exception_handler(Http404("No such order."), {})
    assert response.status_code == 404
    assert response.data["code"] == 404 and response.data["message"] == "No such order."

