"""Exactly-once answers: replay and retry dedupe in Redis, and the 5-second reply budget."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError

from bot.batching import DirectScripts, Scripts
from bot.budget import Overrun, Runner
from bot.config import WebhookConfig
from bot.effects import NeedsClaim
from bot.store import Keys
from bot.wechat.replies import SUCCESS

# Both scripts first look for the query signature (replays) and the message (WeChat's retries);
# either, once answered, returns the first stored reply. An empty value marks a message whose
# answer is still being worked out.
_SEEN = """
local first = redis.call('GET', KEYS[1])
if first then
  local reply = redis.call('GET', first)
  if reply then
    return {'replay', reply}
  end
  -- Its answer is gone (the process died before storing it): answer this request afresh.
  redis.call('SET', KEYS[1], KEYS[2], 'KEEPTTL')
else
  redis.call('SET', KEYS[1], KEYS[2], 'EX', ARGV[1])
end
local reply = redis.call('GET', KEYS[2])
if reply then
  return {'duplicate', reply}
end
"""

# One round trip claims both (answers with effects, worked out after the claim).
_CLAIM = _SEEN + """
redis.call('SET', KEYS[2], '', 'EX', ARGV[2])
return {'new', false}
"""

# Pure answers are computed first; then one round trip stores the reply, unless the signature or
# the message was seen: then the first stored reply wins ('' is a claim-first copy still working).
# KEYS: signature, message, then the keys of the answer's writes (same hash tag)
# ARGV: replay TTL, reply TTL, reply, then each write's value and seconds
_STORE_FIRST = _SEEN + """
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[2])
for i = 3, #KEYS do
  redis.call('SET', KEYS[i], ARGV[2 * i - 2], 'EX', ARGV[2 * i - 1])
end
return {'new', false}
"""


@dataclass(frozen=True)
class Computed:
    """An answer's reply, and Redis SETs (key, value, seconds) to make with it in one trip.

    Keys in the account's hash tag go in the same script as the reply (an answer writing
    elsewhere is answered claim-first, where the SETs are pipelined)."""

    reply: bytes
    writes: tuple[tuple[str, str, int], ...] = ()


@dataclass(frozen=True)
class Outcome:
    """How a push was answered: new, replay, duplicate, timeout, pending or error."""

    kind: str
    reply: bytes


class Exchange:
    """Answer each push once; answer its replays and retries with the same reply."""

    def __init__(
        self,
        redis: Redis,
        runner: Runner,
        config: WebhookConfig,
        monotonic: Callable[[], float] = time.monotonic,
        scripts: Scripts | None = None,
    ) -> None:
        self.redis = redis
        self.runner = runner
        self.scripts = scripts or DirectScripts()
        self.config = config
        self.monotonic = monotonic
        self._claim = redis.register_script(_CLAIM)
        self._store_first = redis.register_script(_STORE_FIRST)

    def answer(
        self,
        account: str,
        signature: str,
        dedupe_id: str,
        compute: Callable[[bool], bytes | Computed],
        deadline: float,
    ) -> Outcome:
        """Return the reply for a push: the first one stored for it, in every process.

        `compute(False)` is tried first, without effects (bot.effects); its reply is stored in one
        round trip. An answer that raises NeedsClaim is claimed first and `compute(True)` does its
        effects once. Either way every copy of a push gets the same reply.
        """
        keys = [Keys.replay(account, signature), Keys.message(account, dedupe_id)]
        try:
            outcome = self.runner.run(
                lambda: self._compute_then_store(compute, keys, account),
                max(0.0, deadline - self.monotonic()),
            )
        except Overrun:
            # Past the budget: answer now; the work finishes and stores its reply for any retry.
            return Outcome("timeout", SUCCESS)
        if outcome is None:
            return self._claim_first(keys, compute, deadline)
        if not outcome.reply:
            return self._wait_for(keys[1], outcome.kind, deadline)
        return outcome

    def _compute_then_store(
        self, compute: Callable[[bool], bytes | Computed], keys: list[str], account: str
    ) -> Outcome | None:
        """A pure answer and one round trip; None if the answer needs a claim first."""
        try:
            computed = _as_computed(compute(False))
        except NeedsClaim:
            return None
        tag = "{" + account + "}"
        if any(tag not in key for key, _, _ in computed.writes):
            return None  # a write outside the account's slot cannot go in its script
        args: list[object] = [self._replay_ttl(), self.config.dedupe_ttl, computed.reply]
        for _, value, seconds in computed.writes:
            args += [value, seconds]
        kind, first = self.scripts.run(
            self._store_first, [*keys, *(key for key, _, _ in computed.writes)], args
        )
        kind = kind.decode()
        return Outcome(kind, computed.reply if kind == "new" else first or b"")

    def _claim_first(
        self, keys: list[str], compute: Callable[[bool], bytes | Computed], deadline: float
    ) -> Outcome:
        """Claim the push, then compute it with its effects: at most once across processes."""
        message_key = keys[1]
        kind, cached = self.scripts.run(
            self._claim, keys, [self._replay_ttl(), self._pending_ttl()]
        )
        kind = kind.decode()
        if kind == "new":
            return self._compute(lambda: compute(True), message_key, deadline)
        if not cached:
            return self._wait_for(message_key, kind, deadline)
        return Outcome(kind, cached)

    def _replay_ttl(self) -> int:
        # A signature can only be replayed while its timestamp is inside the window (either side).
        skew = self.config.max_clock_skew
        return 2 * skew + 60 if skew else self.config.dedupe_ttl

    def _pending_ttl(self) -> int:
        # Long enough to cover the budget; short so a claim left by a dead process soon lapses.
        return int(self.config.reply_budget) + 6

    def _compute(
        self, compute: Callable[[], bytes | Computed], key: str, deadline: float
    ) -> Outcome:
        try:
            return self.runner.run(
                lambda: self._compute_and_store(compute, key), max(0.0, deadline - self.monotonic())
            )
        except Overrun:
            # Past the budget: answer now; the work finishes and stores its reply for any retry.
            return Outcome("timeout", SUCCESS)

    def _compute_and_store(self, compute: Callable[[], bytes | Computed], key: str) -> Outcome:
        try:
            computed = _as_computed(compute())
            self._store(key, computed)
        except BaseException:
            self._release(key)
            raise
        return Outcome("new", computed.reply)

    def _store(self, key: str, computed: Computed) -> None:
        if not computed.writes:
            self.redis.set(key, computed.reply, ex=self.config.dedupe_ttl)
            return
        pipe = self.redis.pipeline(transaction=False)
        pipe.set(key, computed.reply, ex=self.config.dedupe_ttl)
        for write_key, value, seconds in computed.writes:
            pipe.set(write_key, value, ex=seconds)
        pipe.execute()

    def _release(self, key: str) -> None:
        """Drop our claim so a retry can answer; if Redis itself failed, the TTL does it."""
        try:
            self.redis.delete(key)
        except RedisError:
            pass  # the pending marker expires within _pending_ttl() seconds anyway

    def _wait_for(self, key: str, kind: str, deadline: float) -> Outcome:
        """A concurrent copy is still being answered: wait for its reply within the budget."""
        pause = 0.01
        while self.monotonic() + pause < deadline:
            time.sleep(pause)  # cooperative under gevent; rare: only concurrent duplicates get here
            reply = self.redis.get(key)
            if reply:
                return Outcome(kind, reply)
            pause = min(pause * 2, 0.1)
        return Outcome("pending", SUCCESS)


def _as_computed(result: bytes | Computed) -> Computed:
    return result if isinstance(result, Computed) else Computed(result)
