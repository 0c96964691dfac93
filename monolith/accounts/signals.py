"""The edge caches who a session or token belongs to; when either dies, tell it at once.

On log-out (any session engine) and when an API token is deleted (revoked, rotated, its user deleted),
the proxy's cache entry for that credential is overwritten with "anonymous" for REVOKED_TTL_SECONDS.
Overwriting rather than deleting means a lookup that was in flight during the log-out cannot put the
user back: the proxy only writes an entry that does not exist yet. A Redis failure is logged and does
not stop the log-out; the stale entry then lives at most IDENTITY_CACHE_SECONDS.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete
from django.http import HttpRequest
from rest_framework.authtoken.models import Token

from chassis.identity import ANONYMOUS, REVOKED_TTL_SECONDS, SESSION, TOKEN, identity_cache_key, identity_document

logger = logging.getLogger(__name__)

ANONYMOUS_DOCUMENT = identity_document(ANONYMOUS)


def connect() -> None:
    """Called from AccountsConfig.ready()."""
    user_logged_out.connect(forget_session, dispatch_uid="accounts.forget_session")
    post_delete.connect(forget_token, sender=Token, dispatch_uid="accounts.forget_token")


def forget_session(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    session_key = request.session.session_key if request is not None else None
    if session_key:
        forget_credential(SESSION, session_key)


def forget_token(sender: Any, instance: Token, **kwargs: Any) -> None:
    forget_credential(TOKEN, instance.key)


def forget_credential(kind: str, credential: str) -> None:
    """Make the edge see `credential` as anonymous from the next request on."""
    try:
        _redis().set(identity_cache_key(kind, credential), ANONYMOUS_DOCUMENT, ex=REVOKED_TTL_SECONDS)
    except redis.RedisError as exc:
        logger.error("could not drop the edge's cached identity", extra={"kind": kind, "error": str(exc)})


_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    """One client per process, made on first use (settings are complete by then); it pools connections."""
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    return _client
