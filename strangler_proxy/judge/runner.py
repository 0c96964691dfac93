"""The judge: every JUDGE_SECONDS, one proxy process of the fleet judges each canary and shadow and acts.

Which process: the one holding the fleet's lease `strangler:judge:lease:<fleet>` (SET NX with a
LEASE_SECONDS expiry, renewed each round by its holder), so there is one verdict for the fleet and
exactly one process acts on it; if that process dies, another takes the lease once it expires. A fleet is
every proxy serving the same route table (its routes' ids, prefixes and upstreams), wherever it runs.

What it does with a verdict: stores it (`strangler:judge:<route>:verdict`, and the list
`strangler:judge:verdicts`, newest first), logs it, and on **fail** rolls the route back to its primary
through the same checked, audited change as `strangler rollback` (by "strangler-judge", with the verdict's
reason); on **pass** a stepped canary moves to its next percent once `step_seconds` have passed since its
last change. **Not enough data** changes nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable

import redis as redis_sync
from redis.exceptions import RedisError

from strangler_proxy.control import state
from strangler_proxy.control.state import ChangeRefused
from strangler_proxy.control.store import Change, ControlStore
from strangler_proxy.judge.tally import arm_counts, judge_key, verdict_key
from strangler_proxy.judge.verdict import FAIL, PASS, ArmCounts, Verdict, judge_canary, judge_shadow
from strangler_proxy.redis_link import Commands
from strangler_proxy.shadow.record import counts_key
from strangler_proxy.table import Mode, Route, RouteTable

logger = logging.getLogger(__name__)
JUDGE_SECONDS = 5.0
LEASE_KEY = "strangler:judge:lease:"
LEASE_SECONDS = 15
VERDICTS_KEY = "strangler:judge:verdicts"
VERDICTS_KEPT = 200
JUDGE = "strangler-judge"


class Judge:
    def __init__(self, redis: Commands, redis_url: str, table: Callable[[], RouteTable],
                 file_table: Callable[[], RouteTable], *, clock: Callable[[], float] = time.time) -> None:
        self.redis = redis
        self.redis_url = redis_url
        self.table = table
        self.file_table = file_table
        self.clock = clock
        self.token = f"{os.getpid()}-{id(self)}"

    async def run(self) -> None:
        """Judge every JUDGE_SECONDS while holding the lease, until cancelled."""
        while True:
            await asyncio.sleep(JUDGE_SECONDS)
            try:
                if await self._hold_lease():
                    await self.judge_all()
            except (RedisError, OSError) as error:
                logger.warning("the judge could not reach Redis; it tries again", extra={"error": str(error)})
            except Exception:  # a judge that stopped would leave every canary unwatched: log it, judge again
                logger.exception("the judge failed a round; it tries again")

    async def _hold_lease(self) -> bool:
        lease = LEASE_KEY + fleet(self.file_table())
        if await self.redis.set(lease, self.token, ex=LEASE_SECONDS, nx=True):
            return True
        if await self.redis.get(lease) == self.token.encode():
            await self.redis.execute_command("EXPIRE", lease, LEASE_SECONDS)
            return True
        return False

    async def judge_all(self) -> list[Verdict]:
        verdicts = []
        for route in self.table().routes:
            if route.candidate is None or route.mode is Mode.NONE:
                continue
            verdict = await self._judge(route)
            await self._keep(verdict)
            await self._act(route, verdict)
            verdicts.append(verdict)
        return verdicts

    async def _judge(self, route: Route) -> Verdict:
        if route.mode is Mode.CANARY:
            raw = await self.redis.hgetall(judge_key(route.id))
            primary, candidate = (ArmCounts(*arm_counts(raw, arm)) for arm in ("primary", "candidate"))
            return judge_canary(route.id, primary, candidate, route.judge)
        raw = await self.redis.hgetall(counts_key(route.id))
        counts = {key.decode(): int(value) for key, value in raw.items()}
        return judge_shadow(route.id, counts.get("compared", 0), counts.get("mismatched", 0), route.judge)

    async def _keep(self, verdict: Verdict) -> None:
        encoded = json.dumps(verdict.as_dict())
        await asyncio.gather(self.redis.execute_command("SET", verdict_key(verdict.route), encoded),
                             self.redis.execute_command("LPUSH", VERDICTS_KEY, encoded),
                             self.redis.execute_command("LTRIM", VERDICTS_KEY, 0, VERDICTS_KEPT - 1))
        logger.info("judged a route", extra={"route": verdict.route, "outcome": verdict.outcome,
                                             "reason": verdict.reason})

    async def _act(self, route: Route, verdict: Verdict) -> None:
        if verdict.outcome == FAIL:
            await self._change(route.id, "rollback", state.rollback, f"automatic: {verdict.reason}")
        elif (verdict.outcome == PASS and route.mode is Mode.CANARY and route.steps
              and self.clock() - route.since >= route.step_seconds):
            await self._change(route.id, "advance", state.advance, f"automatic: {verdict.reason}")

    async def _change(self, route_id: str, action: str, change: Change, reason: str) -> None:
        def apply_change() -> None:
            client = redis_sync.Redis.from_url(self.redis_url, decode_responses=True)
            try:
                ControlStore(client, self.file_table()).change(route_id, action, change, reason=reason, by=JUDGE)
            finally:
                client.close()

        try:
            await asyncio.to_thread(apply_change)
        except ChangeRefused as refused:
            logger.warning("the judge's change was refused", extra={"route": route_id, "reason": str(refused)})
            return
        logger.warning("the judge changed a route", extra={"route": route_id, "action": action, "reason": reason})


def fleet(table: RouteTable) -> str:
    """A short name for every proxy serving this route table."""
    described = ";".join(f"{route.id}={route.prefix}>{route.upstream}" for route in table.routes)
    return hashlib.sha256(described.encode()).hexdigest()[:16]
