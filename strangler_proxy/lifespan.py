"""The ASGI lifespan protocol, driven from the server's side: start-up before the first connection is
accepted, shut-down after the last one is done.

The application runs in a task of its own for the life of the process, receiving `lifespan.startup` and
later `lifespan.shutdown`, and answers each with `.complete` or `.failed` (ASGI's lifespan spec).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

logger = logging.getLogger("strangler_proxy.server")
ASGI = {"version": "3.0", "spec_version": "2.0"}


class Lifespan:
    """`await lifespan.startup()` → True when the application started; `await lifespan.shutdown()`."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._answers: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def startup(self) -> bool:
        self._task = asyncio.get_running_loop().create_task(self._run())
        answer = await self._ask("lifespan.startup")
        if answer["type"] == "lifespan.startup.complete":
            return True
        logger.error("the application could not start", extra={"reason": answer.get("message", "")})
        return False

    async def shutdown(self) -> None:
        answer = await self._ask("lifespan.shutdown")
        if answer["type"] != "lifespan.shutdown.complete":
            logger.error("the application did not shut down cleanly", extra={"reason": answer.get("message", "")})

    async def _ask(self, event: str) -> dict[str, Any]:
        await self._inbox.put({"type": event})
        return await self._answers.get()

    async def _run(self) -> None:
        scope = {"type": "lifespan", "asgi": ASGI, "state": {}}
        try:
            await self.app(scope, self._inbox.get, self._answers.put)
        except Exception as failure:
            logger.exception("the application failed in its lifespan")
            await self._answers.put({"type": "lifespan.startup.failed", "message": str(failure)})
