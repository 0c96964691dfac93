"""The dashboard's requests, each a short list of steps: who is calling, what they may do, read or change
through the control store, answer (HTML for a browser, the JSON Error shape for any other client)."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any, Protocol

import orjson
import redis

from strangler_proxy.control.state import ChangeRefused
from strangler_proxy.dashboard import controls, datamigration, pages
from strangler_proxy.dashboard.access import Access, Caller, ResolvesCaller
from strangler_proxy.dashboard.facts import read_facts
from strangler_proxy.dashboard.markup import state_brief
from strangler_proxy.dashboard.pages import Flash
from strangler_proxy.dashboard.progress import migration_progress
from strangler_proxy.dashboard.web import HTML, JSON, FormTooLarge, Request, answer, first, redirect
from strangler_proxy.errors import error_json
from strangler_proxy.exchange import Exchange, Rejection
from strangler_proxy.table import RouteTable

logger = logging.getLogger(__name__)

PAGE_PATH = "/_strangler/"
CHANGE_PATH = "/_strangler/change"
_STATIC = resources.files(__package__).joinpath("static")
ASSETS = {f"/_strangler/{name}": (_STATIC.joinpath(name).read_bytes(), kind) for name, kind in (
    ("dashboard.css", b"text/css; charset=utf-8"), ("dashboard.js", b"text/javascript; charset=utf-8"))}
PATHS = frozenset({PAGE_PATH, CHANGE_PATH, *ASSETS})


def is_dashboard_path(path: str) -> bool:
    return path in PATHS


class LiveStates(Protocol):
    """This process's table in force (control/live.py's LiveTable): the file's table, and the version of
    the live states laid over it (None before any)."""

    @property
    def file_table(self) -> RouteTable: ...

    @property
    def version(self) -> bytes | None: ...


class Dashboard:
    """`await Dashboard(...).serve(exchange)` answers one request for a path `is_dashboard_path` accepts."""

    def __init__(self, *, admin_token: str | None, redis_url: str, live: LiveStates, identity: ResolvesCaller,
                 breakers: Callable[[], Mapping[str, str]], clock: Callable[[], float] = time.time) -> None:
        self.access = Access(admin_token=admin_token, identity=identity, clock=clock)
        self.redis_url = redis_url
        self.live = live
        self.file_table = live.file_table
        self.breakers = breakers

    async def serve(self, exchange: Exchange) -> None:
        request = Request(exchange)
        if request.path in ASSETS:
            body, kind = ASSETS[request.path]
            return await answer(exchange, 200, body, kind)
        if request.path == PAGE_PATH and request.method == "GET" and "token" in request.query:
            return await self._sign_in(request)
        try:
            caller = await self.access.caller(request)
        except Rejection as rejection:  # the identity stage could not say who it is (429, 503)
            return await _error(request, rejection.status, "Cannot check who you are", rejection.message)
        if caller is None:
            return await _unauthorised(request)
        allowed = "GET" if request.path == PAGE_PATH else "POST"
        if request.method != allowed:
            return await _error(request, 405, "Not here", f"{request.path} takes {allowed}.",
                                [(b"allow", allowed.encode())])
        if request.path == PAGE_PATH:
            return await self._page(request, caller)
        return await self._change(request, caller)

    async def _sign_in(self, request: Request) -> None:
        """?token=<PROXY_ADMIN_TOKEN> once: an admin session cookie, and the address without the token."""
        if not self.access.is_admin_token(first(request.query, "token")):
            return await _unauthorised(request)
        await redirect(request.exchange, PAGE_PATH, [self.access.session_cookie(secure=request.is_https)])

    async def _page(self, request: Request, caller: Caller, flash: Flash | None = None, status: int = 200) -> None:
        try:
            facts = await asyncio.to_thread(self._with_redis, read_facts, self.file_table)
            progress = await asyncio.to_thread(self._with_redis, migration_progress, facts.table)
            modules = await asyncio.to_thread(self._with_redis, datamigration.read_modules)
        except redis.RedisError as error:
            return await _error(request, 503, "Redis cannot be reached", f"The live route states are in Redis: {error}")
        process = pages.Process(os.getpid(), int(self.live.version or 0))
        body = pages.dashboard(facts=facts, breakers=self.breakers(), csrf=self.access.csrf_token(caller), by=caller.by,
                               process=process, progress=progress, modules=modules, flash=flash)
        await answer(request.exchange, status, body, HTML)

    async def _change(self, request: Request, caller: Caller) -> None:
        try:
            form = await request.form()
        except FormTooLarge:
            return await _error(request, 413, "Too large", "A change form is a few short fields.")
        if not self.access.csrf_holds(caller, form.get("csrf", "")):
            return await _error(request, 403, "This form did not come from the dashboard",
                                "The change was not made: reload the dashboard and make it from there.")
        try:
            wanted = controls.requested(form)
            record = await asyncio.to_thread(self._with_redis, controls.apply, self.file_table, wanted, by=caller.by)
        except controls.NotAChange as broken:
            return await _error(request, 400, "Not a change", str(broken))
        except ChangeRefused as refused:
            return await self._refused(request, caller, str(refused))
        except redis.RedisError as error:
            return await _error(request, 503, "Redis cannot be reached", f"Nothing was changed: {error}")
        logger.warning("a route was changed from the dashboard", extra={
            "route": record.route, "action": record.action, "by": record.by, "reason": record.reason})
        if not request.wants_html:
            return await answer(request.exchange, 200, orjson.dumps(record.as_dict()), JSON)
        await self._page(request, caller, Flash("done", f"{record.action} {record.route}: "
                                                        f"{state_brief(record.before)} → {state_brief(record.after)}"))

    async def _refused(self, request: Request, caller: Caller, reason: str) -> None:
        if not request.wants_html:
            return await answer(request.exchange, 409, error_json(409, f"Refused, nothing changed: {reason}",
                                                                  request.exchange.request_id), JSON)
        await self._page(request, caller, Flash("refused", reason), status=409)

    def _with_redis(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`work(client, *args, **kwargs)` on a connection of its own (run in a thread)."""
        client = redis.Redis.from_url(self.redis_url, decode_responses=True)
        try:
            return work(client, *args, **kwargs)
        finally:
            client.close()


async def _unauthorised(request: Request) -> None:
    await _error(request, 401, "Staff only", "The proxy's dashboard is for staff and holders of the admin token.",
                 [(b"www-authenticate", b'Bearer realm="strangler"')], hint=pages.SIGN_IN_HINT)


async def _error(request: Request, status: int, title: str, text: str, headers: list[tuple[bytes, bytes]] | None = None,
                 *, hint: str = "") -> None:
    if request.wants_html:
        return await answer(request.exchange, status, pages.refusal(status, title, text, hint=hint), HTML, headers)
    await answer(request.exchange, status, error_json(status, text, request.exchange.request_id), JSON, headers)
