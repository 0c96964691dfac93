"""Endpoints only the strangler proxy may call, mounted at /internal/ (the proxy answers 404 to any
client path there, and each call here must carry the proxy's signed `X-Strangler-Internal` proof).

    GET /internal/identity    who the request's session cookie or API token belongs to, as the identity
                              document chassis.identity writes (what the edge caches):
                              {"user_id": "7", "username": "ada", "email": "ada@example.com"}
                              (with "is_staff": true for a staff user) or {"user_id": null}; never
                              cached by HTTP caches.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from chassis.errors import error_response
from chassis.identity import ANONYMOUS, INTERNAL_HEADER, INTERNAL_META_KEY, Identity, identity_document, verify_internal

logger = logging.getLogger(__name__)


@require_GET
@never_cache
def identity_view(request: HttpRequest) -> HttpResponse:
    if not _from_proxy(request):
        return error_response(403, f"Internal endpoint: a valid {INTERNAL_HEADER} proof is required.")
    return HttpResponse(identity_document(identity_of(_caller(request))), content_type="application/json")


def _from_proxy(request: HttpRequest) -> bool:
    keys = getattr(settings, "IDENTITY_SIGNING_KEYS", [])
    if not keys:
        logger.error("IDENTITY_SIGNING_KEYS is not set; refusing every internal call")
    return verify_internal(request.META.get(INTERNAL_META_KEY), keys=keys)


def _caller(request: HttpRequest) -> AbstractBaseUser | None:
    """The session's user, else the API token's, judged as the monolith's own pages and API do."""
    if request.user.is_authenticated:
        return request.user  # type: ignore[return-value]
    try:
        found = TokenAuthentication().authenticate(request)  # type: ignore[arg-type]
    except AuthenticationFailed:
        return None  # unknown token or inactive user: anonymous, as far as the edge is concerned
    return found[0] if found else None


def identity_of(user: AbstractBaseUser | None) -> Identity:
    """The edge's Identity for a user of the monolith (ANONYMOUS for nobody)."""
    if user is None:
        return ANONYMOUS
    return Identity(user_id=str(user.pk), username=user.get_username(), email=getattr(user, "email", "") or "",
                    is_staff=getattr(user, "is_staff", False) is True)
