"""Endpoints only the strangler proxy may call. The proxy answers 404 to any client path under
/internal/, and each call here must carry its signed `X-Strangler-Internal` proof.

    GET /internal/identity    who the request's session cookie or API token belongs to, as the identity
                              document chassis.identity writes (what the edge caches):
                              {"user_id": "7", "username": "ada", "email": "ada@example.com"}
                              (with "is_staff": true for a staff user) or {"user_id": null}; never
                              cached by HTTP caches.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from chassis.errors import error_response
from chassis.identity import INTERNAL_HEADER, INTERNAL_META_KEY, identity_document, verify_internal
from strangler_django.identity import caller_of, identity_of
from strangler_django.revocation import remember_session

logger = logging.getLogger(__name__)


@require_GET
@never_cache
def identity_view(request: HttpRequest) -> HttpResponse:
    if not _from_proxy(request):
        return error_response(403, f"Internal endpoint: a valid {INTERNAL_HEADER} proof is required.")
    user = caller_of(request)
    session = getattr(request, "session", None)
    if user is not None and session is not None and request.user.is_authenticated:
        remember_session(user.pk, session.session_key)  # so that a password change reaches this session
    return HttpResponse(identity_document(identity_of(user)), content_type="application/json")


def _from_proxy(request: HttpRequest) -> bool:
    keys = getattr(settings, "IDENTITY_SIGNING_KEYS", [])
    if not keys:
        logger.error("IDENTITY_SIGNING_KEYS is not set; refusing every internal call")
    return verify_internal(request.META.get(INTERNAL_META_KEY), keys=keys)
