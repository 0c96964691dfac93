"""Middleware shared by every Django deployable."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from chassis.errors import body_too_large, error_response


class BodySizeLimitMiddleware:
    """Refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE with 413 before any view reads it.

    Django would raise RequestDataTooBig only when the body is read, as a 400; a client deserves to know
    the request was too large, and nothing downstream should see a partial read. The body stays unread,
    so the connection closes after the answer (chassis.wsgi).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if not declared.isdigit():
            return error_response(400, "Content-Length is not a number.")
        if self.limit is not None and int(declared) > self.limit:
            return body_too_large(self.limit)
        return self.get_response(request)
