"""Run the webhook's Lua scripts; under gevent, concurrent pushes' scripts go to Redis together.

Every push makes one EVALSHA (bot.exchange), and some answers a read first (a follow-up's
context). Under load a gevent worker has several pushes in flight, and each round trip costs a
write and a read on both sides of the socket: measured under load, the client spent ~120 us a
push in it and Redis ~65. `BatchedScripts` sends the scripts and reads that concurrent greenlets
asked for while one batch was on its way in one pipeline: one write, one read, each script still
atomic and answered to the greenlet that asked for it. With nothing else in flight a command
goes at once, as a batch of one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from redis.commands.core import Script
from redis.exceptions import NoScriptError, RedisError

log = logging.getLogger("csj.batching")


class Scripts(Protocol):
    def run(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        """Run the script with these keys and arguments; return its result."""


class DirectScripts:
    """One round trip per script: threads, the development server and the tests."""

    def run(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        return script(keys=keys, args=args)


class BatchedScripts:
    """Under gevent: scripts asked for while a batch is out go together in the next one."""

    def __init__(self, redis: Any) -> None:
        import gevent
        from gevent.event import Event

        self._gevent = gevent
        self.redis = redis
        # (add the command to a pipeline, run it alone if Redis lost the script, its result)
        self._queued: list[tuple[Callable[[Any], Any], Callable[[], Any] | None, Any]] = []
        self._wake = Event()
        self._sender: Any = None
        self.batches = 0  # sent so far (for tests and the benchmark)

    def run(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        return self._submit(
            lambda pipe: pipe.evalsha(script.sha, len(keys), *keys, *args),
            lambda: script(keys=keys, args=args),
        )

    def read(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """A read command (bot.effects.READS) in the next batch; its result as redis-py gives."""
        return self._submit(lambda pipe: getattr(pipe, name)(*args, **kwargs), None)

    def _submit(self, add: Callable[[Any], Any], alone: Callable[[], Any] | None) -> Any:
        from gevent.event import AsyncResult

        done = AsyncResult()
        self._queued.append((add, alone, done))
        if self._sender is None or self._sender.dead:
            self._sender = self._gevent.spawn(self._send_forever)
        self._wake.set()
        return done.get()

    def _send_forever(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            batch, self._queued = self._queued, []
            try:
                failure = self._send(batch) if batch else None
            except Exception as exc:  # a bug: no push may wait for an answer that cannot come
                log.exception("batch sender failed; the next push starts another")
                waiting, self._queued = self._queued, []
                for _, _, done in batch + waiting:
                    if not done.ready():
                        done.set_exception(exc)
                return
            if failure is not None:
                # Those that queued behind a batch Redis failed would go to the same Redis and
                # wait as long again: they hear it now, so a push still answers 503 within
                # about the socket timeout.
                waiting, self._queued = self._queued, []
                _fail(waiting, failure)

    def _send(self, batch: list[tuple[Callable[[Any], Any], Any, Any]]) -> RedisError | None:
        """Send one batch and hand out its results; the error if the connection failed."""
        self.batches += 1
        pipe = self.redis.pipeline(transaction=False)
        for add, _, _ in batch:
            add(pipe)
        try:
            results = pipe.execute(raise_on_error=False)
        except RedisError as exc:  # the connection failed: every push in the batch hears it
            _fail(batch, exc)
            return exc
        for (_, alone, done), result in zip(batch, results, strict=True):
            if isinstance(result, NoScriptError) and alone:  # Redis restarted: load, run alone
                self._settle(done, alone)
            elif isinstance(result, Exception):
                done.set_exception(result)
            else:
                done.set(result)
        return None

    @staticmethod
    def _settle(done: Any, call: Any) -> None:
        try:
            done.set(call())
        except RedisError as exc:
            done.set_exception(exc)


def _fail(batch: list[tuple[Any, Any, Any]], error: RedisError) -> None:
    for _, _, done in batch:
        done.set_exception(type(error)(*error.args))  # one each: tracebacks are per raise


def default_scripts(redis: Any) -> Scripts:
    """Batched when gevent has patched this process (gunicorn's gevent workers), else direct."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return DirectScripts()
    return BatchedScripts(redis) if monkey.is_module_patched("socket") else DirectScripts()
