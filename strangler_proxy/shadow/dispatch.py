"""Sending a shadowed request's copy to the candidate, off the request path, and comparing the answers.

The forwarder hands over a ShadowJob once the client has the primary's whole answer (`offer`, which never
waits): the request as the primary got it and the primary's answer. A bounded queue feeds a few worker
tasks; when it is full the copy is dropped and counted, so shadowing can never slow the primary path or
grow without bound. Each copy has its own timeout. One copy in NOISE_EVERY also goes to the primary a
second time, for the noise model (noise.py).

Which requests are copied: those of a route in shadow mode whose whole body was read (up to the proxy's
buffer) and whose method is safe (GET, HEAD, OPTIONS), or, with `--writes dry-run`, any method when the
candidate has opted in (`dry_run = true` on its upstream). Copies carry `X-Strangler-Shadow`, signed with
the identity keys (chassis.identity.sign_shadow), which a dry-run service (chassis.dryrun) requires before
it runs a write it will roll back.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from redis.exceptions import RedisError

from strangler_proxy.forwarding.cookies import cookies_for
from strangler_proxy.forwarding.errors import ForwardingFailed
from strangler_proxy.forwarding.pool import UpstreamPool
from strangler_proxy.redis_link import Commands
from strangler_proxy.shadow.diff import Answer, differences
from strangler_proxy.shadow.record import counting_commands, counts_key, sample_commands

logger = logging.getLogger(__name__)
QUEUE_SIZE = 256
WORKERS = 4
NOISE_EVERY = 4
TIMEOUT_SECONDS = 5.0
MAX_ANSWER_BYTES = 262_144
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SHADOW_HEADER = b"x-strangler-shadow"


@dataclass(frozen=True)
class ShadowJob:
    route_id: str
    primary: str
    candidate: str
    request_id: str
    method: str
    target: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    answer: Answer
    ignore: tuple[str, ...]


class ShadowDispatcher:
    """`offer(job)` from the request path; `start()` / `stop()` the workers with the process."""

    def __init__(self, pools: dict[str, UpstreamPool], redis: Commands, *, shadow_proof: Callable[[], str],
                 queue_size: int = QUEUE_SIZE, workers: int = WORKERS, guarded_cookies: frozenset[str] = frozenset()) -> None:
        self.pools = pools
        self.guarded_cookies = guarded_cookies
        self.redis = redis
        self.shadow_proof = shadow_proof
        self.queue: asyncio.Queue[ShadowJob] = asyncio.Queue(maxsize=queue_size)
        self.workers = workers
        self._tasks: list[asyncio.Task[None]] = []
        self._copies = itertools.count()
        self._writes: set[asyncio.Future[None]] = set()

    def offer(self, job: ShadowJob) -> None:
        try:
            self.queue.put_nowait(job)
        except asyncio.QueueFull:
            self.count(job.route_id, "dropped")

    def count(self, route_id: str, outcome: str) -> None:
        """Count a copy not compared ("dropped": queue full; "skipped": not safe or too large)."""
        self._spawn(self._write([["HINCRBY", counts_key(route_id), outcome, 1]]))

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._work()) for _ in range(self.workers)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # ------------------------------------------------------------------ the workers
    async def _work(self) -> None:
        while True:
            job = await self.queue.get()
            try:
                await self.compare(job)
            except Exception:
                logger.exception("a shadow comparison failed", extra={"route": job.route_id})

    async def compare(self, job: ShadowJob) -> list[str]:
        """Send the copy (and maybe a noise copy), compare, record; the differing paths."""
        candidate = await self._answer(job.candidate, job)
        noise_sample = next(self._copies) % NOISE_EVERY == 0 and job.method in SAFE_METHODS
        noise = await self._answer(job.primary, job) if noise_sample else None
        differing = differences(job.answer, candidate, ignore=job.ignore)
        noise_differing = differences(job.answer, noise, ignore=job.ignore) if noise is not None else None
        commands = counting_commands(job.route_id, differing, noise_differing)
        if differing:
            commands += sample_commands(job.route_id, request_id=job.request_id, method=job.method, path=job.target
                                        .decode("latin-1").split("?", 1)[0], differing=differing,
                                        primary=job.answer, candidate=candidate)
        await self._write(commands)
        return differing

    async def _answer(self, upstream: str, job: ShadowJob) -> Answer:
        pool = self.pools[upstream]
        headers = [*cookies_for(list(job.headers), self.guarded_cookies, pool.owns_cookies),
                   (SHADOW_HEADER, self.shadow_proof().encode())]
        try:
            status, answer_headers, body = await pool.request(
                job.method.encode(), job.target, headers, job.body, timeout=TIMEOUT_SECONDS,
                max_body=MAX_ANSWER_BYTES)
        except ForwardingFailed as failure:
            return Answer(failure.error.status, (("x-strangler-failure", failure.error.name),), b"")
        return Answer(status, tuple((name.decode("latin-1"), value.decode("latin-1"))
                                    for name, value in answer_headers), body)

    async def _write(self, commands: Sequence[Sequence[object]]) -> None:
        try:
            await asyncio.gather(*(self.redis.execute_command(*command) for command in commands))
        except (RedisError, OSError) as error:
            logger.warning("could not record a shadow comparison", extra={"error": str(error)})

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._writes.add(task)  # held until done: the loop keeps only a weak reference to a task
        task.add_done_callback(self._writes.discard)
