"""The publish-task queue: a Redis stream read by a consumer group, and per-task locks.

Why a stream and not a queue library: see docs/architecture.md. In short, the work is
already idempotent and fenced per (article, account), so the queue only has to deliver at
least once and hand a dead consumer's tasks to another (XAUTOCLAIM); a stream does exactly
that, shows what is pending (XPENDING), and costs no dependency.

Nothing is lost if a task is: every unsettled publication sits in SynKeys.WAKE, and `wake`
re-enqueues it when due, pushing it `lease` seconds ahead as a watchdog until a worker records
its real next time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from redis.exceptions import ResponseError

from bot.store import SynKeys

STREAM_MAXLEN = 100_000

# KEYS: wake, tasks. ARGV: now, lease, limit. Due members move `lease` ahead and become tasks.
_WAKE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, member in ipairs(due) do
  redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), member)
  local sep = string.find(member, ':', 1, true)
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*',
    'article', string.sub(member, 1, sep - 1), 'account', string.sub(member, sep + 1))
end
return #due
"""

# Release or renew a lock only if it is still ours.
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end"
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


@dataclass(frozen=True)
class Task:
    id: str
    article: str
    account: str


def ensure_group(redis: Any) -> None:
    """Create the stream and its consumer group once (BUSYGROUP means it exists)."""
    try:
        redis.xgroup_create(SynKeys.TASKS, SynKeys.TASKS_GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def wake(redis: Any, now: float, lease: float, limit: int = 500) -> int:
    """Enqueue every publication whose time has come; return how many."""
    return int(redis.eval(_WAKE, 2, SynKeys.WAKE, SynKeys.TASKS, now, lease, limit, STREAM_MAXLEN))


def reschedule(redis: Any, article: str, account: str, next_at: float) -> None:
    """Put a waiting publication back at its own time (a task found nothing to do yet)."""
    if next_at > 0:
        redis.zadd(SynKeys.WAKE, {f"{article}:{account}": next_at}, xx=True)


def enqueue(redis: Any, article: str, account: str) -> None:
    """Enqueue one (article, account) now (a person's retry, a new article)."""
    redis.xadd(
        SynKeys.TASKS,
        {"article": article, "account": account},
        maxlen=STREAM_MAXLEN,
        approximate=True,
    )


def read(redis: Any, consumer: str, count: int, block_ms: int | None) -> list[Task]:
    """New tasks for this consumer (waiting up to block_ms; None: not at all)."""
    answer = redis.xreadgroup(
        SynKeys.TASKS_GROUP, consumer, {SynKeys.TASKS: ">"}, count=count, block=block_ms
    )
    return [_task(i, f) for _, entries in answer or [] for i, f in entries]


def claim_stale(redis: Any, consumer: str, idle_ms: int, count: int = 10) -> list[Task]:
    """Tasks another consumer took and did not finish within idle_ms (it died)."""
    answer = redis.xautoclaim(
        SynKeys.TASKS, SynKeys.TASKS_GROUP, consumer, idle_ms, "0-0", count=count
    )
    return [_task(i, f) for i, f in answer[1] if f]


def done(redis: Any, task: Task) -> None:
    """Acknowledge and drop a finished task."""
    pipe = redis.pipeline(transaction=False)
    pipe.xack(SynKeys.TASKS, SynKeys.TASKS_GROUP, task.id)
    pipe.xdel(SynKeys.TASKS, task.id)
    pipe.execute()


def _task(entry_id: bytes, fields: dict[bytes, bytes]) -> Task:
    return Task(entry_id.decode(), fields[b"article"].decode(), fields[b"account"].decode())


def lock(redis: Any, task: Task, lease: float) -> str | None:
    """Take the (article, account) lock for `lease` seconds; its token, or None if held."""
    token = secrets.token_hex(8)
    key = SynKeys.task_lock(task.article, task.account)
    return token if redis.set(key, token, nx=True, px=int(lease * 1000)) else None


def renew(redis: Any, task: Task, token: str, lease: float) -> bool:
    key = SynKeys.task_lock(task.article, task.account)
    return bool(redis.eval(_RENEW, 1, key, token, int(lease * 1000)))


def unlock(redis: Any, task: Task, token: str) -> None:
    redis.eval(_RELEASE, 1, SynKeys.task_lock(task.article, task.account), token)
