"""A leader lease in Redis: one holder at a time, kept alive by renewal, lost by silence.

The holder trusts its lease only for `ttl - margin` after the moment it *sent* its last successful
acquire or renew, timed on its own monotonic clock. Redis starts counting the TTL no earlier than
that moment, so a process that is paused, partitioned or cut off from Redis stops acting before
the key can expire and another process can take it.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections.abc import Callable

import redis as redis_lib
from redis.exceptions import RedisError

log = logging.getLogger("csj.lease")

# Extend only our own lease: after a pause we may no longer be the holder.
RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""

# Delete only our own lease, never the one a successor has just taken.
RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


def holder_id() -> str:
    """A holder id that names the process in logs: hostname:pid:random."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Lease:
    """A Redis lease on `key` for `holder`, valid for `ttl` seconds unless renewed.

    Every method answers False instead of raising when Redis fails; the lease then stops being
    held at once. `margin` (default ttl/10) absorbs clock-rate drift between us and Redis.
    """

    def __init__(
        self,
        redis: redis_lib.Redis,
        key: str,
        ttl: float,
        holder: str,
        clock: Callable[[], float] = time.monotonic,
        *,
        margin: float | None = None,
    ) -> None:
        margin = ttl / 10 if margin is None else margin
        if ttl <= 0 or not 0 <= margin < ttl:
            raise ValueError(
                f"lease {key}: need ttl > 0 and 0 <= margin < ttl (ttl={ttl}, margin={margin})"
            )
        self.key, self.ttl, self.holder, self.margin = key, ttl, holder, margin
        self._redis = redis
        self._clock = clock
        self._renew = redis.register_script(RENEW)  # no round trip until first use
        self._release = redis.register_script(RELEASE)
        self._valid_until: float | None = None
        self.reachable = True  # whether the last call got an answer from Redis

    @property
    def held(self) -> bool:
        """True while our last successful acquire/renew is younger than ttl - margin."""
        return self._valid_until is not None and self._clock() < self._valid_until

    @property
    def ttl_ms(self) -> int:
        """The TTL Redis is given, in whole milliseconds."""
        return max(1, round(self.ttl * 1000))

    def acquire(self) -> bool:
        """Take the lease if nobody holds it (SET NX PX)."""
        return self._extend(
            "acquire", lambda: self._redis.set(self.key, self.holder, nx=True, px=self.ttl_ms)
        )

    def renew(self) -> bool:
        """Extend the lease by a full ttl, only if it is still ours."""
        return self._extend(
            "renew", lambda: self._renew(keys=[self.key], args=[self.holder, self.ttl_ms])
        )

    def keep(self) -> bool:
        """Renew the lease if it is ours, else try to take it; True if we hold it now."""
        return self.renew() or self.acquire()

    def release(self) -> bool:
        """Give the lease up so a standby can take it at once; True if it was ours."""
        self._valid_until = None  # stop acting before anyone else can start
        return self._call("release", lambda: self._release(keys=[self.key], args=[self.holder]))

    def _extend(self, operation: str, command: Callable[[], object]) -> bool:
        """Run an acquire or renew; on success the lease is valid from before it was sent."""
        started = self._clock()
        ok = self._call(operation, command)
        self._valid_until = started + self.ttl - self.margin if ok else None
        return ok

    def _call(self, operation: str, command: Callable[[], object]) -> bool:
        """Run one Redis command: its reply as a bool, or False if Redis failed."""
        try:
            ok = bool(command())
        except RedisError as exc:
            self._warn(operation, exc)
            return False
        self.reachable = True
        return ok

    def _warn(self, operation: str, exc: RedisError) -> None:
        """Warn once per outage: a warning every tick would bury everything else in the log."""
        level = logging.WARNING if self.reachable else logging.DEBUG
        self.reachable = False
        log.log(level, "lease %s: %s failed, not leading: %r", self.key, operation, exc)
