"""A first attempt at an answer, without effects: reads pass, anything else asks for a claim.

The webhook first computes an answer against a read-only view of Redis and with no uploader
(bot.exchange). Most answers only read, so one Redis script then stores the reply, or returns the
reply a copy of the same push stored first. An answer that would change something (a sign-up, an
upload, taking owed notices) raises NeedsClaim at that point instead, before any effect, and is
answered again claim-first, so its effect happens once across every process.
"""

from __future__ import annotations

from functools import partial
from typing import Any

# Redis commands that change nothing. Everything else (writes, scripts, locks) is an effect.
READS = frozenset(
    (
        "exists", "get", "mget", "strlen", "ttl", "pttl", "type",
        "hexists", "hget", "hgetall", "hkeys", "hlen", "hmget", "hvals",
        "lindex", "llen", "lrange",
        "scard", "sismember", "smembers", "smismember",
        "zcard", "zcount", "zrange", "zrangebyscore", "zrank", "zrevrange", "zrevrangebyscore",
        "zrevrank", "zscore", "zmscore",
        "xlen", "xrange", "xrevrange",
    )
)  # fmt: skip


class NeedsClaim(BaseException):  # noqa: N818  (a signal, not an error)
    """The answer needs an effect: answer it again claim-first.

    A BaseException, like GeneratorExit: answers catch Exception to log and apologise, and this
    must pass through them to the exchange.
    """


class ReadOnlyRedis:
    """The client as a first attempt sees it: its reads, and NeedsClaim for anything else.

    With `batch` (bot.batching.BatchedScripts, under gevent) a read goes in the next batch of
    this worker's commands instead of a round trip of its own."""

    __slots__ = ("wrapped", "batch", "__weakref__")

    def __init__(self, redis: Any, batch: Any = None) -> None:
        self.wrapped = redis
        self.batch = batch

    def __getattr__(self, name: str) -> Any:
        if name not in READS:
            raise NeedsClaim(name)
        if self.batch is not None:
            return partial(self.batch.read, name)
        return getattr(self.wrapped, name)

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> ReadOnlyPipeline:
        return ReadOnlyPipeline(self.wrapped.pipeline(transaction, shard_hint))


class ReadOnlyPipeline:
    """A pipeline of reads (a pipeline is sent only by execute)."""

    __slots__ = ("wrapped",)

    def __init__(self, pipe: Any) -> None:
        self.wrapped = pipe

    def __getattr__(self, name: str) -> Any:
        if name in READS:
            return getattr(self.wrapped, name)
        raise NeedsClaim(name)

    def execute(self) -> list[Any]:
        return self.wrapped.execute()

    def __enter__(self) -> ReadOnlyPipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.wrapped.reset()


def unwrapped(redis: Any) -> Any:
    """The client behind a read-only view (or the client itself): for per-client caches."""
    return redis.wrapped if isinstance(redis, ReadOnlyRedis) else redis


def no_upload(*args: Any, **kwargs: Any) -> str:
    """The uploader of a first attempt: an upload is an effect (and slow)."""
    raise NeedsClaim("upload")
