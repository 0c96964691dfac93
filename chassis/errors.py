"""The one error shape every deployable answers with: `{"code": <int>, "message": <str>}`.

`code` repeats the HTTP status, `message` says what went wrong in words a client developer can act on;
extra fields (`errors` with per-field detail, `request_id`) may follow. DRF's exception handler and
Django's 400/403/404/500 handlers all go through `error_body`, so there is one place that shapes errors.

Services raise `ApplicationError`s: domain errors that say why in the client's words and know nothing
of HTTP. Each deployable maps their classes to statuses in one place, its REST_FRAMEWORK
EXCEPTION_HANDLER, built by `exception_handler_for(statuses)`.

    ApplicationError    a service refused what was asked (subclassed per domain)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_default_handler

from chassis import request_id
from chassis.identity import NOT_AUTHENTICATED

logger = logging.getLogger(__name__)


def error_body(code: int, message: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update({key: value for key, value in extra.items() if value is not None})
    body.setdefault("request_id", request_id.current())
    return body


class ErrorOutput(serializers.Serializer):
    """The error body, as the OpenAPI descriptions show it (`error_body` writes it)."""

    code = serializers.IntegerField()
    message = serializers.CharField()
    request_id = serializers.CharField(required=False)
    # Per-field detail as DRF reports it. DRF's metaclass takes declared fields off the class, so the
    # serializer's own `.errors` is untouched.
    errors = serializers.JSONField(required=False)  # type: ignore[assignment]  # a declared field, see above


def error_response(code: int, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse(error_body(code, message, **extra), status=code)


def body_too_large(limit: int | None) -> JsonResponse:
    """413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE, refused unread (chassis.wsgi closes the connection)."""
    return error_response(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                          f"Request body is larger than {limit} bytes." if limit else "Request body is too large.")


def _summarise(detail: Any) -> str:
    """One readable sentence from DRF's nested error detail."""
    if isinstance(detail, dict):
        # A list of nested serializers reports valid items as empty dicts; describe the first failure.
        field, value = next(((key, value) for key, value in detail.items() if value), (None, None))
        if field is None:
            return "Invalid input."
        inner = _summarise(value)
        return inner if field == "non_field_errors" else f"{field}: {inner}"
    if isinstance(detail, list):
        failures = [item for item in detail if item]
        return _summarise(failures[0]) if failures else "Invalid input."
    return str(detail)


class ApplicationError(Exception):
    """A service refused what was asked: `message` says why in the client's words, about input `field`."""

    default_message = "The request cannot be carried out."

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or self.default_message
        self.field = field
        super().__init__(self.message)


ExceptionHandler = Callable[[Exception, dict[str, Any]], Response | None]


def drf_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, reshaped into the contract's Error; unknown exceptions stay 500s for Django."""
    response = drf_default_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(response.status_code, _summarise(exc.detail), errors=exc.detail)
    elif isinstance(exc, exceptions.NotAuthenticated):
        response.data = error_body(response.status_code, NOT_AUTHENTICATED)
    else:
        # APIExceptions and the Django ones DRF translates (Http404, PermissionDenied) alike.
        detail = getattr(exc, "detail", None) or response.data.get("detail", "") or str(exc)
        response.data = error_body(response.status_code, _summarise(detail))
    return response


def exception_handler_for(statuses: Mapping[type[ApplicationError], int]) -> ExceptionHandler:
    """A REST_FRAMEWORK EXCEPTION_HANDLER: each ApplicationError answered with the status of its nearest
    class in `statuses` (400 when none is there), everything else as `drf_exception_handler` answers it."""

    def handler(exc: Exception, context: dict[str, Any]) -> Response | None:
        if not isinstance(exc, ApplicationError):
            return drf_exception_handler(exc, context)
        status_code = next((statuses[kind] for kind in type(exc).__mro__ if kind in statuses),
                           status.HTTP_400_BAD_REQUEST)
        if exc.field is None:
            return Response(error_body(status_code, exc.message), status=status_code)
        errors = {exc.field: [exc.message]}
        return Response(error_body(status_code, _summarise(errors), errors=errors), status=status_code)

    return handler


def handler400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    if isinstance(exception, RequestDataTooBig):
        # Django files it under SuspiciousOperation (400); the client sent too much, which is a 413.
        return body_too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return error_response(status.HTTP_400_BAD_REQUEST, "Bad request.")


def handler403(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(status.HTTP_403_FORBIDDEN, "Forbidden.")


def handler404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(status.HTTP_404_NOT_FOUND, f"No such resource: {request.path}")


def handler500(request: HttpRequest) -> JsonResponse:
    return error_response(status.HTTP_500_INTERNAL_SERVER_ERROR, "Unexpected error; it has been logged.")


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    return error_response(status.HTTP_403_FORBIDDEN, f"CSRF check failed: {reason}")
