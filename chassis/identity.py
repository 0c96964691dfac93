"""Signed identity: who the caller is, as resolved once at the edge and verified by every service.

The strangler proxy strips every identity header a client sends, resolves the caller (monolith session
or API token) and forwards `X-Strangler-Identity`: a short-lived token signed with HMAC-SHA256 through
Django's signing module. Services accept an identity only when the signature and the expiry hold, and
the token is not dated later than now (give or take CLOCK_SKEW_SECONDS); a missing, tampered, expired or
future-dated token means "anonymous", never an error page. Keys rotate: the first key
in IDENTITY_SIGNING_KEYS signs, every key verifies, so a new key can be rolled out before the old one
is retired.

The same keys sign `X-Strangler-Internal`, the proof that a call to the monolith's internal endpoints
comes from inside the kit (the proxy, or a service holding the keys), under another salt so neither
token can stand in for the other; the proxy answers 404 to any client path under /internal/.
Under a third salt they sign `X-Strangler-Shadow`, the marker on the proxy's shadow copies that a
service running dry-run writes (chassis.dryrun) requires before it runs a write it will roll back.

The proxy caches each resolved credential in Redis under `identity_cache_key()`, as the identity
document the monolith's identity endpoint answers with (`identity_document()`); the monolith overwrites
that entry with the anonymous document when the credential dies (log-out, token deleted). So the key
and the document are both made here, in one place, for the endpoint, the edge and the revocation alike.

    NotAnIdentityDocument    a body is not an identity document (a ValueError)
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

logger = logging.getLogger(__name__)

HEADER = "X-Strangler-Identity"
META_KEY = "HTTP_X_STRANGLER_IDENTITY"
SALT = "strangler.identity.v1"
DEFAULT_TTL_SECONDS = 60

INTERNAL_HEADER = "X-Strangler-Internal"
INTERNAL_META_KEY = "HTTP_X_STRANGLER_INTERNAL"
INTERNAL_SALT = "strangler.internal.v1"
INTERNAL_MAX_AGE_SECONDS = 30

SHADOW_HEADER = "X-Strangler-Shadow"
SHADOW_META_KEY = "HTTP_X_STRANGLER_SHADOW"
SHADOW_SALT = "strangler.shadow.v1"
# The proxy signs a copy as it sends it, so a marker older than this was not made for this request.
SHADOW_MAX_AGE_SECONDS = 30
# How far ahead of this host's clock a signer's clock may run. Beyond it a token is refused: a token
# dated in the future would outlive its max age by that much.
CLOCK_SKEW_SECONDS = 5

# What a caller with no valid credentials hears from every deployable (chassis.errors), for no credentials
# at all and for an API token that is unknown or malformed alike: behind the proxy a service cannot tell.
NOT_AUTHENTICATED = "Authentication credentials were not provided or are not valid."

# Credential kinds the edge resolves, and where it caches each answer.
SESSION = "session"
TOKEN = "token"
CACHE_KEY_PREFIX = "strangler:identity:"
# How long a dead credential's "anonymous" entry stays: longer than any lookup that might race it.
REVOKED_TTL_SECONDS = 300


@dataclass(frozen=True)
class Identity:
    """The caller as the edge resolved it. `user_id` is None for an anonymous caller; `is_staff` is the
    monolith's flag for the people who run the shop (the proxy's dashboard admits them)."""

    user_id: str | None = None
    username: str = ""
    email: str = ""
    api_plan: str | None = None
    is_staff: bool = False

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None


ANONYMOUS = Identity()


def sign(identity: Identity, *, keys: Sequence[str], issued_at: float | None = None) -> str:
    """A token for `identity`, signed with the first key; it carries its signing time (default: now).

    Needs no Django settings, so the proxy (which has none) can call it.
    """
    return _signer(keys, SALT, issued_at).sign_object(asdict(identity), compress=False)


def verify(token: str | None, *, keys: Sequence[str], max_age: int = DEFAULT_TTL_SECONDS) -> Identity:
    """The identity in `token` if any key's signature holds and it is younger than `max_age` seconds."""
    if not token or not keys:
        return ANONYMOUS
    try:
        payload = _Verifier(keys, SALT).unsign_object(token, max_age=max_age)
    except signing.BadSignature as exc:  # SignatureExpired and IssuedInTheFuture are BadSignatures too
        logger.warning("rejected identity token", extra={"reason": exc.__class__.__name__})
        return ANONYMOUS
    return _identity(payload)


def sign_internal(*, keys: Sequence[str], issued_at: float | None = None) -> str:
    """The value of `X-Strangler-Internal`: proof, valid INTERNAL_MAX_AGE_SECONDS, of an internal caller."""
    return _signer(keys, INTERNAL_SALT, issued_at).sign_object("strangler-internal")


def verify_internal(value: str | None, *, keys: Sequence[str], max_age: int = INTERNAL_MAX_AGE_SECONDS) -> bool:
    """Whether `value` is a fresh `sign_internal()` proof under one of `keys`."""
    return _holds(value, keys=keys, salt=INTERNAL_SALT, max_age=max_age, what="internal proof")


def sign_shadow(*, keys: Sequence[str], issued_at: float | None = None) -> str:
    """The value of `X-Strangler-Shadow`: proof that a request is the proxy's shadow copy."""
    return _signer(keys, SHADOW_SALT, issued_at).sign_object("strangler-shadow")


def verify_shadow(value: str | None, *, keys: Sequence[str], max_age: int = SHADOW_MAX_AGE_SECONDS) -> bool:
    """Whether `value` is a fresh `sign_shadow()` marker under one of `keys` (the reason is logged if not)."""
    return _holds(value, keys=keys, salt=SHADOW_SALT, max_age=max_age, what="shadow marker")


def _holds(value: str | None, *, keys: Sequence[str], salt: str, max_age: int, what: str) -> bool:
    if not value or not keys:
        return False
    try:
        _Verifier(keys, salt).unsign_object(value, max_age=max_age)
    except signing.BadSignature as exc:  # SignatureExpired and IssuedInTheFuture are BadSignatures too
        logger.warning(f"rejected {what}", extra={"reason": exc.__class__.__name__})
        return False
    return True


def identity_cache_key(kind: str, credential: str) -> str:
    """The Redis key under which the edge caches who `credential` (of `kind` SESSION or TOKEN) is.

    Hashed, so Redis never holds a usable session id or token.
    """
    digest = hashlib.sha256(f"{kind}\x00{credential}".encode()).hexdigest()
    return CACHE_KEY_PREFIX + digest


class NotAnIdentityDocument(ValueError):
    """A body that is not an identity document: not JSON, not an object, or without `user_id`."""


def identity_document(identity: Identity) -> str:
    """`identity` as JSON: `{"user_id": "7", "username": "ada", "email": "ada@example.com"}`, with
    `"is_staff": true` added for staff, or `{"user_id": null}` for nobody. What the monolith's identity
    endpoint answers and the edge caches."""
    if not identity.is_authenticated:
        return json.dumps({"user_id": None})
    document: dict[str, Any] = {"user_id": identity.user_id, "username": identity.username, "email": identity.email}
    # Written only when true, so a customer's document is the one written before the flag existed and a
    # document without it (an older monolith, an entry cached before) reads as not staff.
    if identity.is_staff:
        document["is_staff"] = True
    return json.dumps(document)


def identity_from_document(body: bytes | str) -> Identity:
    """The Identity an identity document names (the inverse of `identity_document`)."""
    try:
        document = json.loads(body)
        user_id = document["user_id"]
    except (ValueError, TypeError, KeyError) as exc:
        raise NotAnIdentityDocument(f"not an identity document: {exc!r}") from exc
    if user_id is None:
        return ANONYMOUS
    return Identity(user_id=str(user_id), username=str(document.get("username") or ""),
                    email=str(document.get("email") or ""), is_staff=document.get("is_staff") is True)


class _Signer(signing.TimestampSigner):
    """Django's timestamp signer with an explicit signing time, and no reach into Django settings."""

    def __init__(self, *, key: str, salt: str, issued_at: float | None) -> None:
        super().__init__(key=key, salt=salt, fallback_keys=[])
        self.issued_at = issued_at

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time() if self.issued_at is None else self.issued_at))


class IssuedInTheFuture(signing.BadSignature):
    """The signature holds but the token is dated more than CLOCK_SKEW_SECONDS ahead of this host."""


class _Verifier(signing.TimestampSigner):
    """Django's timestamp check (signature, then max age) plus an upper bound on the signing time."""

    def __init__(self, keys: Sequence[str], salt: str) -> None:
        super().__init__(key=keys[0], fallback_keys=list(keys[1:]), salt=salt)

    def unsign(self, value: str, max_age: Any = None) -> str:
        unsigned = super().unsign(value, max_age=max_age)
        # The signature held, so the timestamp in the token (`payload:timestamp:signature`) is the signer's.
        issued_at = signing.b62_decode(value.rsplit(self.sep, 2)[1])
        if issued_at > time.time() + CLOCK_SKEW_SECONDS:
            raise IssuedInTheFuture(f"token dated {issued_at - time.time():.0f} s ahead")
        return unsigned


def _signer(keys: Sequence[str], salt: str, issued_at: float | None) -> _Signer:
    if not keys:
        raise ValueError("no identity signing key configured")
    return _Signer(key=keys[0], salt=salt, issued_at=issued_at)


def _identity(payload: Any) -> Identity:
    """The Identity in a verified token's payload; a field the token lacks (one signed before the field
    existed) takes its default, so an older token's caller is not staff."""
    if not isinstance(payload, dict):
        return ANONYMOUS
    fields = {name: payload.get(name) for name in Identity.__dataclass_fields__}
    fields["is_staff"] = fields["is_staff"] is True
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


class IsKitService(BasePermission):
    """DRF permission for internal endpoints: the caller proved, with a fresh `X-Strangler-Internal`
    signature, that it holds the kit's identity keys (the proxy or another kit service)."""

    message = "Internal endpoint: a valid X-Strangler-Internal header is required."

    def has_permission(self, request: Any, view: Any) -> bool:
        from django.conf import settings

        keys = getattr(settings, "IDENTITY_SIGNING_KEYS", [])
        return verify_internal(request.META.get(INTERNAL_META_KEY), keys=keys)
