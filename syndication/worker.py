"""`csj worker`: take publish tasks from the stream and move each (article, account) forward.

Any number of workers on any number of hosts. A task is acknowledged only after its work is
recorded; a worker that dies leaves its tasks pending, and another claims them (XAUTOCLAIM)
once they have been idle for a lease. The per-(article, account) lock with a fencing token
makes sure only one worker moves a publication at a time, even after a takeover.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from syndication import engine, tasks
from syndication.steps import Context
from syndication.tasks import Task

log = logging.getLogger("csj.worker")
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)


def consumer_name() -> str:
    """Unique per process: host and pid, so XPENDING shows who holds what."""
    return f"{socket.gethostname()}:{os.getpid()}"


def handle(ctx: Context, task: Task) -> None:
    """Run one task under its lock, then acknowledge it (unless Redis is gone)."""
    lease = ctx.config.syndication.task_lease
    token = tasks.lock(ctx.redis, task, lease)
    if token is None:
        # Another worker is on it right now; it will record the next time itself.
        tasks.done(ctx.redis, task)
        return
    try:
        pub = engine.advance(engine.with_token(ctx, token), task.article, task.account)
        if pub is not None:
            tasks.reschedule(ctx.redis, pub.article, pub.account, pub.next_at)
    finally:
        tasks.unlock(ctx.redis, task, token)
    tasks.done(ctx.redis, task)


class Worker:
    """A loop reading tasks, with `threads` of them in flight at once."""

    def __init__(self, ctx: Context, threads: int = 4, name: str | None = None) -> None:
        self.ctx = ctx
        self.threads = threads
        self.name = name or consumer_name()
        self.stopping = threading.Event()
        self._redis_ok = True

    def run(self) -> None:
        """Work until stop() is called; keep going (and say so) while Redis is unreachable."""
        log.info("worker %s started with %d threads", self.name, self.threads)
        with ThreadPoolExecutor(self.threads, thread_name_prefix="csj-task") as pool:
            while not self.stopping.is_set():
                self._guarded(lambda: self._round(pool))
        log.info("worker %s stopped", self.name)

    def stop(self) -> None:
        self.stopping.set()

    def _round(self, pool: ThreadPoolExecutor) -> None:
        tasks.ensure_group(self.ctx.redis)
        lease_ms = int(self.ctx.config.syndication.task_lease * 1000)
        found = tasks.claim_stale(self.ctx.redis, self.name, lease_ms, self.threads)
        found += tasks.read(self.ctx.redis, self.name, self.threads, block_ms=500)
        for future in [pool.submit(self._one, task) for task in found]:
            future.result()

    def _one(self, task: Task) -> None:
        try:
            handle(self.ctx, task)
        except REDIS_DOWN:
            raise
        except Exception:  # a bug in one task must not stop the others; it stays pending
            log.exception("task %s (%s:%s) failed", task.id, task.article, task.account)

    def _guarded(self, work: Callable[[], Any]) -> None:
        """Run a round; while Redis is down, log once and retry every second."""
        try:
            work()
        except REDIS_DOWN as exc:
            if self._redis_ok:
                log.warning("Redis unreachable (%s): waiting for it", exc)
            self._redis_ok = False
            self.stopping.wait(1.0)
            return
        if not self._redis_ok:
            log.info("Redis reachable again: working")
        self._redis_ok = True


def drain(ctx: Context, limit: int = 10_000) -> int:
    """Run every task now in the stream, in this thread (tests, one-shot runs); count them."""
    tasks.ensure_group(ctx.redis)
    count = 0
    while count < limit:
        found = tasks.read(ctx.redis, "drain", 50, block_ms=None)
        if not found:
            return count
        for task in found:
            handle(ctx, task)
            count += 1
    return count
