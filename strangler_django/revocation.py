"""The edge caches who a session or token belongs to; when either dies, tell it at once.

The proxy's cache entry (chassis.identity.identity_cache_key) for a dead credential is overwritten with
"anonymous" for REVOKED_TTL_SECONDS. Overwriting rather than deleting means a lookup that was in flight
during the log-out cannot put the user back: the proxy only writes an entry that does not exist yet.

    user_logged_out                   the session logged out of
    password changed, user deleted    every session the identity endpoint answered for the user in the
                                      last REVOKED_TTL_SECONDS (Django ends them through the session
                                      auth hash; the edge must not keep them alive)
    Token deleted (DRF authtoken)     the token (revoked, rotated, or its user deleted)

A password change is seen by comparing the stored hash before the user is saved, and told once the
transaction commits, so a rolled-back change logs nobody out. The sessions of a user are remembered
in Redis as their cache keys (hashed, as the edge's own keys are), never as usable session ids.

A Redis failure is logged and stops nothing; the stale entry then lives at most IDENTITY_CACHE_SECONDS.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, pre_save
from django.http import HttpRequest

from chassis.identity import ANONYMOUS, REVOKED_TTL_SECONDS, SESSION, TOKEN, identity_cache_key, identity_document
from strangler_django.identity import tokens_installed

logger = logging.getLogger(__name__)

ANONYMOUS_DOCUMENT = identity_document(ANONYMOUS)
SESSIONS_KEY_PREFIX = "strangler:user-sessions:"


def connect() -> None:
    """Called from StranglerDjangoConfig.ready()."""
    user_model = get_user_model()
    user_logged_out.connect(forget_session, dispatch_uid="strangler_django.forget_session")
    pre_save.connect(watch_password, sender=user_model, dispatch_uid="strangler_django.watch_password")
    post_delete.connect(forget_deleted_user, sender=user_model, dispatch_uid="strangler_django.forget_deleted_user")
    if tokens_installed():
        from rest_framework.authtoken.models import Token

        post_delete.connect(forget_token, sender=Token, dispatch_uid="strangler_django.forget_token")


# ---------------------------------------------------------------- receivers
def forget_session(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    session_key = request.session.session_key if request is not None else None
    if session_key:
        forget_credential(SESSION, session_key)


def watch_password(sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any) -> None:
    # A save that names its fields without the password (log-in's last_login) cannot change it: no query.
    if raw or instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        user_id = instance.pk
        transaction.on_commit(lambda: forget_user_sessions(user_id))


def forget_deleted_user(sender: Any, instance: Any, **kwargs: Any) -> None:
    user_id = instance.pk
    transaction.on_commit(lambda: forget_user_sessions(user_id))


def forget_token(sender: Any, instance: Any, **kwargs: Any) -> None:
    forget_credential(TOKEN, instance.key)


# ---------------------------------------------------------------- the edge's cache
def forget_credential(kind: str, credential: str) -> None:
    """Make the edge see `credential` as anonymous from the next request on."""
    _forget_keys([identity_cache_key(kind, credential)], kind=kind)


def forget_user_sessions(user_id: Any) -> None:
    """Make the edge see every remembered session of the user as anonymous."""
    try:
        client = _redis()
        cache_keys = [_text(key) for key in client.smembers(_sessions_key(user_id))]
        client.delete(_sessions_key(user_id))
    except redis.RedisError as exc:
        logger.error("could not read the user's sessions known to the edge", extra={"error": str(exc)})
        return
    _forget_keys(cache_keys, kind=SESSION)


def remember_session(user_id: Any, session_key: str | None) -> None:
    """Note that the edge may now cache `session_key` as the user's, so a password change can reach it."""
    if not session_key:
        return
    try:
        pipe = _redis().pipeline()
        pipe.sadd(_sessions_key(user_id), identity_cache_key(SESSION, session_key))
        pipe.expire(_sessions_key(user_id), REVOKED_TTL_SECONDS)
        pipe.execute()
    except redis.RedisError as exc:
        logger.error("could not remember the session the edge caches", extra={"error": str(exc)})


def _forget_keys(cache_keys: list[str], *, kind: str) -> None:
    if not cache_keys:
        return
    try:
        pipe = _redis().pipeline()
        for key in cache_keys:
            pipe.set(key, ANONYMOUS_DOCUMENT, ex=REVOKED_TTL_SECONDS)
        pipe.execute()
    except redis.RedisError as exc:
        logger.error("could not drop the edge's cached identity", extra={"kind": kind, "error": str(exc)})


def _sessions_key(user_id: Any) -> str:
    return f"{SESSIONS_KEY_PREFIX}{user_id}"


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    """One client per process, made on first use (settings are complete by then); it pools connections."""
    global _client
    if _client is None:
        url = getattr(settings, "REDIS_URL", None) or os.environ.get("REDIS_URL")
        if not url:
            raise redis.ConnectionError("neither settings.REDIS_URL nor the environment's REDIS_URL is set")
        _client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return _client
