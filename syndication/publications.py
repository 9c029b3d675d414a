"""One (article, account): its publishing state, and the only function that changes it.

Every change is one Lua script that checks the state it expects (and, for a worker, that it
still holds the (article, account) lock), so a stale worker, a second scheduler or a retried
command can never move a publication twice. Reaching `published` also counts it, gives the
article its column number and lists it in the account's column, in the same script: a count
can't be lost or doubled by a crash or a lost reply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from bot.store import SynKeys

QUEUED = "queued"
PREPARING = "preparing"
DRAFTED = "drafted"
SUBMITTED = "submitted"
PUBLISHED = "published"
FAILED = "failed"
UNCONFIRMED = "unconfirmed"
CANCELLED = "cancelled"

#: What an editor reads for each state.
STATE_NAMES = {
    QUEUED: "排队中",
    PREPARING: "准备中",
    DRAFTED: "已存草稿",
    SUBMITTED: "已提交，等待结果",
    PUBLISHED: "已发布",
    FAILED: "失败",
    UNCONFIRMED: "结果未知，待人工核对",
    CANCELLED: "已取消",
}

#: The state machine: state -> the states it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    QUEUED: frozenset({PREPARING, FAILED, CANCELLED}),
    PREPARING: frozenset({PREPARING, DRAFTED, QUEUED, FAILED, CANCELLED}),
    DRAFTED: frozenset({DRAFTED, SUBMITTED, PUBLISHED, UNCONFIRMED, QUEUED, FAILED, CANCELLED}),
    SUBMITTED: frozenset({SUBMITTED, PUBLISHED, FAILED, UNCONFIRMED}),
    UNCONFIRMED: frozenset({UNCONFIRMED, SUBMITTED, PUBLISHED, FAILED, QUEUED}),
    FAILED: frozenset({QUEUED}),
    PUBLISHED: frozenset(),
    CANCELLED: frozenset({QUEUED}),
}
#: States that need nothing more from csj (unconfirmed still needs a person, and a look).
SETTLED = frozenset({PUBLISHED, FAILED, CANCELLED})


class Conflict(RuntimeError):
    """The publication was not in the expected state, or the lock is no longer ours."""


@dataclass(frozen=True)
class Publication:
    """The stored state of one (article, account)."""

    article: str
    account: str
    mode: str
    state: str = QUEUED
    attempts: int = 0  # retryable failures so far (reset by a person's retry)
    errcode: str = ""
    reason: str = ""  # for an editor, in Chinese
    draft_media_id: str = ""
    draft_version: int = 0
    draft_intent_at: float = 0.0  # a draft/add may have run since then
    submit_intent_at: float = 0.0  # a submit/sendall may have run since then
    publish_id: str = ""
    msg_data_id: str = ""
    msg_id: str = ""  # mass send
    wx_article_id: str = ""
    url: str = ""
    polls: int = 0
    next_at: float = 0.0
    created_at: float = 0.0
    updated_at: float = 0.0
    published_at: float = 0.0

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state, self.state)


_TYPES = {f.name: f.type for f in fields(Publication)}


def decode(raw: dict[bytes, bytes]) -> Publication | None:
    """A Publication from HGETALL's answer (None if the hash is empty)."""
    if not raw:
        return None
    data = {k.decode(): v.decode() for k, v in raw.items()}
    values: dict[str, Any] = {}
    for name, kind in _TYPES.items():
        if name in data:
            text = data[name]
            values[name] = (
                int(text or 0) if kind == "int" else (float(text or 0) if kind == "float" else text)
            )
    return Publication(**values)


def load(redis: Any, article: str, account: str) -> Publication | None:
    return decode(redis.hgetall(SynKeys.publication(article, account)))


def load_all(redis: Any, article: str, accounts: tuple[str, ...]) -> dict[str, Publication]:
    """The publications of an article that exist, by account, in one round trip."""
    pipe = redis.pipeline(transaction=False)
    for account in accounts:
        pipe.hgetall(SynKeys.publication(article, account))
    found = {a: decode(raw) for a, raw in zip(accounts, pipe.execute(), strict=True)}
    return {a: p for a, p in found.items() if p is not None}


# KEYS: pub, lock, wake, published(account), published_day, column, column_item, article, seq
# ARGV: expected states (JSON list), lock token ("" = none needed), wake member, fields (JSON),
#       column item (JSON, used when publishing), now
_MOVE = """
local state = redis.call('HGET', KEYS[1], 'state')
local expected = cjson.decode(ARGV[1])
local ok = false
for _, s in ipairs(expected) do if s == state then ok = true end end
if not ok then return {0, state or ''} end
if ARGV[2] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[2] then return {0, 'lock'} end
local fields = cjson.decode(ARGV[4])
for k, v in pairs(fields) do redis.call('HSET', KEYS[1], k, v) end
local next_at = tonumber(redis.call('HGET', KEYS[1], 'next_at') or '0')
if next_at and next_at > 0 then
  redis.call('ZADD', KEYS[3], next_at, ARGV[3])
else
  redis.call('ZREM', KEYS[3], ARGV[3])
end
if fields['state'] == 'published' then
  local article = redis.call('HGET', KEYS[1], 'article')
  redis.call('SADD', KEYS[4], article)
  redis.call('SADD', KEYS[5], ARGV[3])
  local number = redis.call('HGET', KEYS[8], 'number')
  if not number or number == '' then
    redis.call('HSET', KEYS[8], 'number', redis.call('INCR', KEYS[9]))
  end
  local item = cjson.decode(ARGV[5])
  item['number'] = tonumber(redis.call('HGET', KEYS[8], 'number'))
  redis.call('SET', KEYS[7], cjson.encode(item))
  redis.call('ZADD', KEYS[6], tonumber(ARGV[6]), article)
end
return {1, state}
"""


@dataclass(frozen=True)
class Move:
    """A requested change: from one of `expected` to the values in `changes`."""

    expected: tuple[str, ...]
    changes: dict[str, Any]
    token: str = ""  # the worker's lock token; "" for changes made outside a worker
    day: str = ""  # publish day (YYYY-MM-DD, Shanghai) when moving to published
    column_item: dict[str, Any] | None = None


def move(redis: Any, article: str, account: str, change: Move, now: float) -> None:
    """Apply one change atomically, or raise Conflict saying what the state really was."""
    new_state = change.changes.get("state")
    for old in change.expected:
        if new_state and new_state not in TRANSITIONS[old]:
            raise ValueError(f"{old} -> {new_state} is not a transition")
    changes = {k: _text(v) for k, v in {**change.changes, "updated_at": now}.items()}
    member = f"{article}:{account}"
    ok, state = redis.eval(
        _MOVE,
        9,
        SynKeys.publication(article, account),
        SynKeys.task_lock(article, account),
        SynKeys.WAKE,
        SynKeys.published(account),
        SynKeys.published_day(change.day or "-"),
        SynKeys.column(account),
        SynKeys.column_item(account, article),
        SynKeys.article(article),
        SynKeys.COLUMN_SEQ,
        json.dumps(list(change.expected)),
        change.token,
        member,
        json.dumps(changes, ensure_ascii=False),
        json.dumps(change.column_item or {}, ensure_ascii=False),
        repr(now),
    )
    if not ok:
        raise Conflict(f"{member}: expected {'/'.join(change.expected)}, found {state.decode()}")


def _text(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


_CREATE = """
if redis.call('HEXISTS', KEYS[1], 'state') == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(cjson.decode(ARGV[1])))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""


def as_mapping(pub: Publication) -> dict[str, str]:
    """Every field as text, for HSET."""
    return {name: _text(getattr(pub, name)) for name in _TYPES}


def create(redis: Any, article: str, account: str, mode: str, now: float) -> bool:
    """Create the publication in state queued, due now; False if it already exists."""
    pub = Publication(article, account, mode, created_at=now, updated_at=now, next_at=now)
    flat = [item for pair in as_mapping(pub).items() for item in pair]
    created = redis.eval(
        _CREATE,
        2,
        SynKeys.publication(article, account),
        SynKeys.WAKE,
        json.dumps(flat, ensure_ascii=False),
        repr(now),
        f"{article}:{account}",
    )
    return bool(created)
