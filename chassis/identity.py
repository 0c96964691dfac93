"""Signed identity: who the caller is, as resolved once at the edge and verified by every service.

The strangler proxy strips every identity header a client sends, resolves the caller (monolith session
or API token) and forwards `X-Strangler-Identity`: a short-lived token signed with HMAC-SHA256 through
Django's signing module. Services accept an identity only when the signature and the expiry hold; a
missing, tampered or expired token means "anonymous", never an error page. Keys rotate: the first key
in IDENTITY_SIGNING_KEYS signs, every key verifies, so a new key can be rolled out before the old one
is retired.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse
from rest_framework.authentication import BaseAuthentication

logger = logging.getLogger(__name__)

HEADER = "X-Strangler-Identity"
META_KEY = "HTTP_X_STRANGLER_IDENTITY"
SALT = "strangler.identity.v1"
DEFAULT_TTL_SECONDS = 60


@dataclass(frozen=True)
class Identity:
    """The caller as the edge resolved it. `user_id` is None for an anonymous caller."""

    user_id: str | None = None
    username: str = ""
    email: str = ""
    api_plan: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None


ANONYMOUS = Identity()


def sign(identity: Identity, *, keys: Sequence[str]) -> str:
    """A token for `identity`, signed with the first key; it carries its own signing time."""
    if not keys:
        raise ValueError("no identity signing key configured")
    return signing.dumps(asdict(identity), key=keys[0], salt=SALT, compress=False)


def verify(token: str | None, *, keys: Sequence[str], max_age: int = DEFAULT_TTL_SECONDS) -> Identity:
    """The identity in `token` if any key's signature holds and it is younger than `max_age` seconds."""
    if not token or not keys:
        return ANONYMOUS
    try:
        payload = signing.loads(token, key=keys[0], fallback_keys=list(keys[1:]), salt=SALT, max_age=max_age)
    except signing.BadSignature as exc:  # SignatureExpired is a BadSignature too
        logger.warning("rejected identity token", extra={"reason": exc.__class__.__name__})
        return ANONYMOUS
    return _identity(payload)


def _identity(payload: Any) -> Identity:
    if not isinstance(payload, dict):
        return ANONYMOUS
    fields = {name: payload.get(name) for name in Identity.__dataclass_fields__}
    return Identity(**{name: value for name, value in fields.items() if value is not None})


class SignedIdentityMiddleware:
    """Sets `request.identity` from the signed header (ANONYMOUS when absent or invalid).

    Reads IDENTITY_SIGNING_KEYS and IDENTITY_MAX_AGE_SECONDS from Django settings once, at start-up.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from django.conf import settings

        self.get_response = get_response
        self.keys = list(settings.IDENTITY_SIGNING_KEYS)
        self.max_age = getattr(settings, "IDENTITY_MAX_AGE_SECONDS", DEFAULT_TTL_SECONDS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.identity = verify(request.META.get(META_KEY), keys=self.keys, max_age=self.max_age)  # type: ignore[attr-defined]
        return self.get_response(request)


class IdentityUser:
    """What `request.user` is in a service: the edge's identity, with no database row behind it."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.pk = self.id = identity.user_id
        self.username = identity.username
        self.email = identity.email

    def __str__(self) -> str:
        return self.username or str(self.pk)


class SignedIdentityAuthentication(BaseAuthentication):
    """DRF authentication for services behind the proxy: the signed identity or nobody."""

    def authenticate(self, request: Any) -> tuple[IdentityUser, None] | None:
        identity = getattr(request._request, "identity", None)
        if identity is None:
            from django.conf import settings

            identity = verify(request.META.get(META_KEY), keys=settings.IDENTITY_SIGNING_KEYS,
                              max_age=getattr(settings, "IDENTITY_MAX_AGE_SECONDS", DEFAULT_TTL_SECONDS))
        if not identity.is_authenticated:
            return None
        return IdentityUser(identity), None

    def authenticate_header(self, request: Any) -> str:
        return "Strangler-Identity"
