"""Stripe's error shape, `{"error": {"type", "code", "message", ...}}`, and the one place it is rendered.

    ApiError                      anything the sandbox refuses, with its HTTP status
    ├── InvalidRequest            400 invalid_request_error: bad JSON, wrong types, wrong state
    ├── NotFound                  404 invalid_request_error / resource_missing
    ├── MethodNotAllowed          405 invalid_request_error: the path exists, the method does not
    ├── Forbidden                 403 invalid_request_error: a sandbox control that is switched off
    ├── RequestTooLarge           413 invalid_request_error: a body over DATA_UPLOAD_MAX_MEMORY_SIZE, unread
    ├── IdempotencyConflict       400 idempotency_error: one key reused with other parameters
    └── ApiUnavailable            503 api_error: an injected outage (nothing was done)

A decline is not an exception: it is recorded and committed, then answered (402) with `decline_body`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse


class ApiError(Exception):
    """A refusal rendered as Stripe's error object."""

    status = 400
    type = "invalid_request_error"

    def __init__(self, code: str, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param

    def body(self) -> dict[str, Any]:
        error = {"type": self.type, "code": self.code, "message": self.message}
        return {"error": error | ({"param": self.param} if self.param else {})}


class InvalidRequest(ApiError):
    """The request is malformed or does not fit the object's state."""


class NotFound(ApiError):
    """No object with that id."""

    status = 404


class MethodNotAllowed(ApiError):
    """The path exists but does not take this method."""

    status = 405


class Forbidden(ApiError):
    """A sandbox control that this process was not started to allow."""

    status = 403


class RequestTooLarge(ApiError):
    """The body is over the size limit; it is refused unread, so chassis.wsgi closes the connection."""

    status = 413


class IdempotencyConflict(ApiError):
    """The idempotency key was first used with other parameters."""

    type = "idempotency_error"


class ApiUnavailable(ApiError):
    """The processor is (pretending to be) down."""

    status = 503
    type = "api_error"


def error_response(error: ApiError) -> JsonResponse:
    return JsonResponse(error.body(), status=error.status)


def decline_body(*, decline_code: str, message: str, payment_intent: dict[str, Any]) -> dict[str, Any]:
    """Stripe's card_error for a declined PaymentIntent (HTTP 402)."""
    return {"error": {"type": "card_error", "code": "card_declined", "decline_code": decline_code,
                      "message": message, "payment_intent": payment_intent}}


def handler400(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(InvalidRequest("bad_request", "The request could not be read."))


def handler404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response(NotFound("resource_missing", f"Unrecognized request URL: {request.path}"))


def handler500(request: HttpRequest) -> JsonResponse:
    body = {"error": {"type": "api_error", "code": "internal_error", "message": "Unexpected sandbox error."}}
    return JsonResponse(body, status=500)
