"""The identity stage: who is calling, said once at the edge and forwarded signed.

For each request, after route matching and before the limits stage:

  1. A path under /internal/ is answered 404: the monolith's internal endpoints are for the proxy only.
  2. Every client-sent identity header is removed (headers.py); the session cookie, `Authorization:
     Token` and `X-Api-Key` are read in the same pass. The API key does not go upstream.
  3. A session or token is resolved through the Redis cache, else the monolith (resolver.py). A request
     with neither is anonymous at no further cost: no Redis, no signing. Before a look-up, the caller's
     address pays what an anonymous request would (the limits stage, given as `lookup_limit`): made-up
     credentials are never cached, and a flood of them is answered 429 without reaching the monolith.
  4. An API key is looked up (its plan goes into the identity); an unknown key is answered 401.
  5. A `login_required` route answers 401 to a caller who is not signed in.
  6. A caller who is not anonymous gets `X-Strangler-Identity: <signed token>` upstream. An anonymous
     caller gets no header: services read a missing header as anonymous, so signing it would be waste.

When the monolith cannot be asked, the caller is treated as anonymous, except on a `login_required`
route, which answers 503 rather than a misleading 401.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Protocol
from urllib.parse import urlencode

from redis.exceptions import RedisError

from chassis.identity import ANONYMOUS, HEADER, SESSION, TOKEN, Identity, sign
from strangler_proxy.errors import prefers_html
from strangler_proxy.exchange import Exchange, Rejection
from strangler_proxy.identity.config import IdentityConfig, load_identity_config
from strangler_proxy.identity.headers import NONE, Credentials, take_credentials
from strangler_proxy.identity.monolith import Lookup, LookupFailed, MonolithLookup
from strangler_proxy.identity.resolver import IdentityResolver
from strangler_proxy.limits.apikeys import ApiKeyPlans
from strangler_proxy.redis_link import Commands, HasRedisUrl, RedisLink

__all__ = ["CachedLookup", "IdentityStage", "LookupLimit", "is_internal_path", "startup"]

logger = logging.getLogger(__name__)

IDENTITY_HEADER = HEADER.lower().encode()
# A signed token is reused for this long: signing costs ~17 µs, and services accept it for 60 s.
RESIGN_SECONDS = 5.0
_MAX_SIGNED = 10_000

ApiKeyLookup = Callable[[str], Awaitable[str | None]]
# Closes one connection a stage owns (a Redis link, a pool).
Closer = Callable[[], Awaitable[None]]


class CachedLookup(Protocol):
    """Who a credential belongs to, from the cache or else from the monolith (resolver.IdentityResolver)."""

    async def cached(self, kind: str, credential: str) -> Identity | None: ...

    async def look_up(self, kind: str, credential: str) -> Identity: ...


class LookupLimit(Protocol):
    """What a look-up costs the caller's address (limits.LimitsStage; see limits/stage.py)."""

    def spend_for_lookup(self, exchange: Exchange) -> Awaitable[None] | None: ...

    def carry_over_lookup(self, exchange: Exchange) -> None: ...


def is_internal_path(path: str) -> bool:
    """Whether `path` (normalised) is /internal or below it, in any letter case."""
    head = path[:10].lower()
    return head == "/internal/" or head == "/internal"


class IdentityStage:
    """`await stage(exchange)`: strips, resolves and signs as described above; raises Rejection.

    `stage.step(exchange)` does the same as a pipeline stage: it returns None when it is done without
    I/O (the anonymous caller), else the awaitable that finishes the work.
    """

    def __init__(self, *, resolver: CachedLookup | None, lookup_limit: LookupLimit, api_key_plan: ApiKeyLookup,
                 keys: Sequence[str], session_cookie: str = "sessionid",
                 clock: Callable[[], float] = time.monotonic, owned: Sequence[Closer] = (),
                 login_url: str = "/accounts/login/") -> None:
        self.owned = tuple(owned)
        self.login_url = login_url
        self.resolver = resolver
        self.lookup_limit = lookup_limit
        self.api_key_plan = api_key_plan
        self.keys = list(keys)
        self.session_cookie = session_cookie.encode()
        self.clock = clock
        self._signed: dict[Identity, tuple[bytes, float]] = {}

    async def __call__(self, exchange: Exchange) -> None:
        waiting = self.step(exchange)
        if waiting is not None:
            await waiting

    def _check_login(self, exchange: Exchange, identity: Identity) -> None:
        """A login_required route: an API caller not signed in gets 401; a browser goes to the log-in page."""
        route = exchange.route
        if route is None or not route.login_required or identity.is_authenticated:
            return
        if prefers_html(exchange.header(b"accept")):
            raise Rejection(302, "Log in to see this page.", headers=[
                (b"location", login_redirect(self.login_url, exchange.path, exchange.query_string))])
        raise Rejection(401, "Log in (or send Authorization: Token <key>) to use this resource.",
                        headers=[(b"www-authenticate", b"Token")])

    async def aclose(self) -> None:
        """Close the connections the stage was given to own (its Redis link, its monolith pool)."""
        for close in self.owned:
            await close()

    def step(self, exchange: Exchange) -> Awaitable[None] | None:
        if is_internal_path(exchange.path):
            raise Rejection(404, f"No such resource: {exchange.path}")
        credentials = self._take(exchange)
        if credentials is NONE:  # the common case: no Redis, no signing, identity stays ANONYMOUS
            self._check_login(exchange, ANONYMOUS)
            return None
        return self._identify(exchange, credentials)

    async def _identify(self, exchange: Exchange, credentials: Credentials) -> None:
        identity, looked_up = await self._caller(exchange, credentials)
        if credentials.api_key is not None:
            exchange.api_key = credentials.api_key
            identity = replace(identity, api_plan=await self._plan(credentials.api_key))
        self._check_login(exchange, identity)
        exchange.identity = identity
        if looked_up:
            self.lookup_limit.carry_over_lookup(exchange)
        if identity is not ANONYMOUS:
            exchange.headers.append((IDENTITY_HEADER, self._token(identity)))

    def _take(self, exchange: Exchange) -> Credentials:
        try:
            return take_credentials(exchange.headers, self.session_cookie)
        except ValueError as exc:
            raise Rejection(400, f"Ambiguous request: {exc}.") from None

    async def _caller(self, exchange: Exchange, credentials: Credentials) -> tuple[Identity, bool]:
        """The signed-in user behind the session, else behind the token, else ANONYMOUS; and whether the
        monolith was asked (and so paid for). Raises Rejection(429) when the caller cannot pay. With no
        resolver (identity = "off") every caller is anonymous to the edge, and nothing is asked."""
        if self.resolver is None:
            return ANONYMOUS, False
        looked_up = False
        try:
            for kind, credential in ((SESSION, credentials.session), (TOKEN, credentials.token)):
                if credential is None:
                    continue
                identity = await self.resolver.cached(kind, credential)
                if identity is None:
                    await self._pay_for_lookup(exchange)
                    looked_up = True
                    identity = await self.resolver.look_up(kind, credential)
                if identity.is_authenticated:
                    return identity, looked_up
        except LookupFailed as exc:
            logger.warning("could not resolve the caller; treating as anonymous", extra={"error": str(exc)})
            if exchange.route is not None and exchange.route.login_required:
                raise Rejection(503, "Cannot check who you are right now; try again shortly.") from None
        return ANONYMOUS, looked_up

    async def _pay_for_lookup(self, exchange: Exchange) -> None:
        waiting = self.lookup_limit.spend_for_lookup(exchange)
        if waiting is not None:
            await waiting

    async def _plan(self, api_key: str) -> str:
        try:
            plan = await self.api_key_plan(api_key)
        except RedisError as exc:
            logger.error("API key store unavailable", extra={"error": str(exc)})
            raise Rejection(503, "Cannot check API keys right now; try again shortly.") from None
        if plan is None:
            raise Rejection(401, "Unknown API key.", headers=[(b"www-authenticate", b"Api-Key")])
        return plan

    def _token(self, identity: Identity) -> bytes:
        """The signed token for `identity`, reused for RESIGN_SECONDS."""
        now = self.clock()
        reusable = self._signed.get(identity)
        if reusable is not None and now < reusable[1]:
            return reusable[0]
        if len(self._signed) >= _MAX_SIGNED:
            self._signed.clear()
        token = sign(identity, keys=self.keys).encode()
        self._signed[identity] = (token, now + RESIGN_SECONDS)
        return token


def login_redirect(login_url: str, path: str, query: bytes) -> bytes:
    """Where a browser goes to log in, coming back to what it asked for (`next`, as Django's views read it)."""
    asked = path + ("?" + query.decode("latin-1") if query else "")
    return f"{login_url}?{urlencode({'next': asked})}".encode()


# ---------------------------------------------------------------- start-up (one per process)
async def startup(settings: HasRedisUrl, *, lookup_limit: LookupLimit, config: IdentityConfig | None = None,
                  mode: str = "django", login_url: str = "/accounts/login/") -> IdentityStage:
    """The stage, ready; call once per process, inside the event loop (ASGI lifespan start-up), after the
    limits stage, which is `lookup_limit`. Reads its variables (config.py) unless given `config`; raises
    ConfigError naming a bad one. Redis at `settings.redis_url` is connected on first use, so a Redis
    outage does not stop start-up. `await stage.aclose()` closes what it opened."""
    config = config or load_identity_config(mode)
    client = RedisLink(settings.redis_url, timeout=config.redis_timeout, name="strangler-proxy-identity")
    if mode == "off":
        return IdentityStage(resolver=None, lookup_limit=lookup_limit, keys=config.signing_keys,
                             api_key_plan=ApiKeyPlans(client, remember_seconds=config.api_key_cache_seconds),
                             session_cookie=config.session_cookie, owned=(client.aclose,), login_url=login_url)
    lookup = monolith_lookup(config)
    return build_stage(config, client, lookup_limit, lookup, owned=(client.aclose, lookup.close), login_url=login_url)


def monolith_lookup(config: IdentityConfig) -> MonolithLookup:
    return MonolithLookup(monolith_url=config.monolith_url, keys=config.signing_keys, timeout=config.lookup_timeout,
                          session_cookie=config.session_cookie, host_header=config.lookup_host)


def build_stage(config: IdentityConfig, client: Commands, lookup_limit: LookupLimit,
                lookup: Lookup | None = None, owned: Sequence[Closer] = (),
                login_url: str = "/accounts/login/") -> IdentityStage:
    lookup = lookup or monolith_lookup(config)
    return IdentityStage(
        resolver=IdentityResolver(redis=client, lookup=lookup, cache_seconds=config.cache_seconds),
        lookup_limit=lookup_limit,
        api_key_plan=ApiKeyPlans(client, remember_seconds=config.api_key_cache_seconds),
        keys=config.signing_keys,
        session_cookie=config.session_cookie,
        owned=owned,
        login_url=login_url,
    )
