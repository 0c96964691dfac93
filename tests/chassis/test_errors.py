from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from chassis.errors import ApplicationError, drf_exception_handler, exception_handler_for


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



class _Refused(ApplicationError):
    default_message = "Refused."


class _Gone(_Refused):
    default_message = "Gone for good."


def test_a_domain_error_is_answered_with_the_status_of_its_nearest_mapped_class():
    handler = exception_handler_for({_Refused: 409, _Gone: 410})
    gone, refused = handler(_Gone(), {}), handler(_Refused(), {})
    assert (gone.status_code, gone.data["code"], gone.data["message"]) == (410, 410, "Gone for good.")
    assert (refused.status_code, refused.data["message"]) == (409, "Refused.")


def test_an_unmapped_domain_error_is_a_400_and_a_field_is_named_as_validation_names_it():
    response = exception_handler_for({})(ApplicationError("No such thing.", field="productId"), {})
    assert response.status_code == 400 and response.data["message"] == "productId: No such thing."
    assert response.data["errors"] == {"productId": ["No such thing."]}


def test_other_exceptions_are_answered_as_the_chassis_answers_them():
    handler = exception_handler_for({_Refused: 409})
    assert handler(ValidationError({"name": ["Required."]}), {}).data["message"] == "name: Required."
    assert handler(RuntimeError("boom"), {}) is None
