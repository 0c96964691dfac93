"""Who a request's credential belongs to, as the edge's chassis.identity.Identity."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest

from chassis.identity import ANONYMOUS, Identity


def identity_of(user: AbstractBaseUser | None) -> Identity:
    """The edge's Identity for a user of the monolith (ANONYMOUS for nobody)."""
    if user is None:
        return ANONYMOUS
    return Identity(user_id=str(user.pk), username=user.get_username(), email=getattr(user, "email", "") or "",
                    is_staff=getattr(user, "is_staff", False) is True)


def caller_of(request: HttpRequest) -> AbstractBaseUser | None:
    """The session's user, else the API token's (when DRF's authtoken is installed), judged as the
    monolith's own pages and API judge them; None for nobody."""
    user: Any = getattr(request, "user", None)  # absent without AuthenticationMiddleware
    if user is not None and user.is_authenticated:
        return user
    if tokens_installed():
        return _token_user(request)
    return None


def tokens_installed() -> bool:
    return apps.is_installed("rest_framework.authtoken")


def _token_user(request: HttpRequest) -> AbstractBaseUser | None:
    from rest_framework.authentication import TokenAuthentication
    from rest_framework.exceptions import AuthenticationFailed

    try:
        found = TokenAuthentication().authenticate(request)  # type: ignore[arg-type]
    except AuthenticationFailed:
        return None  # unknown token or inactive user: anonymous, as far as the edge is concerned
    return found[0] if found else None
