"""Sign-ups with exact capacity: one Lua script decides each one, so no number of processes can
overbook, and one follower counts once however often WeChat retries or they resend.

A follower is "account:openid" (openids are per account). Every sign-up takes the next number
in the event's order; the first `capacity` hold places, the rest wait in that order, and a
cancelled place goes to the first on the waiting list in the same script.
"""

from __future__ import annotations

import json
import secrets
import time
import weakref
from dataclasses import dataclass, replace
from typing import Any

from bot.effects import unwrapped
from bot.events.model import Event
from bot.store import EventKeys

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud at the door
CODE_LENGTH = 6
CODE_CANDIDATES = 4
# Every text a follower sends asks whether they are owed a notice. The followers who are owed one
# are read at most once a second per process, not once a message (a round trip per push): a
# notice then leads the follower's next message at most a second after it was owed; one owed in
# that second leads the message after. A cancellation or call-off in this process reads it again.
_OWED_FOR = 1.0
_monotonic = time.monotonic  # tests move it
_owed: weakref.WeakKeyDictionary[Any, tuple[frozenset[str], float]] = weakref.WeakKeyDictionary()

# KEYS: event, regs, confirmed, waiting, order, codes, mine
# ARGV: follower, now, msg, account, openid, number, code candidates...
_SIGN_UP = """
local function rank(follower, status)
  local key = status == 'confirmed' and KEYS[3] or KEYS[4]
  local r = redis.call('ZRANK', key, follower)
  return r and (r + 1) or 0
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not_found', '', 0, ''} end
local follower, now = ARGV[1], tonumber(ARGV[2])
local e = redis.call('HMGET', KEYS[1], 'status', 'opens', 'closes', 'capacity', 'waitlist')
if e[1] ~= 'open' then return {'cancelled_event', '', 0, ''} end
local old = redis.call('HGET', KEYS[2], follower)
if old then
  local r = cjson.decode(old)
  if r.status ~= 'cancelled' then
    local kind = (r.msg == ARGV[3]) and 'new' or 'already'
    return {kind, r.status, rank(follower, r.status), r.code}
  end
end
if now < tonumber(e[2]) then return {'not_open', '', 0, ''} end
if now >= tonumber(e[3]) then return {'closed', '', 0, ''} end
local status = 'confirmed'
if redis.call('ZCARD', KEYS[3]) >= tonumber(e[4]) then
  local limit = tonumber(e[5])
  if limit >= 0 and redis.call('ZCARD', KEYS[4]) >= limit then return {'full', '', 0, ''} end
  status = 'waitlisted'
end
local code = ''
for i = 7, #ARGV do
  if redis.call('SADD', KEYS[6], ARGV[i]) == 1 then code = ARGV[i] break end
end
if code == '' then return redis.error_reply('no free check-in code') end
local seq = redis.call('INCR', KEYS[5])
redis.call('ZADD', status == 'confirmed' and KEYS[3] or KEYS[4], seq, follower)
redis.call('HSET', KEYS[2], follower, cjson.encode({
  status = status, seq = seq, code = code, at = now, msg = ARGV[3],
  account = ARGV[4], openid = ARGV[5]}))
redis.call('SADD', KEYS[7], ARGV[6])
return {'new', status, rank(follower, status), code}
"""

# KEYS: event, regs, confirmed, waiting, notices   ARGV: follower, now, number, msg
# A cancellation run again for the same message (its reply was lost) answers as the first did.
_CANCEL = """
local old = redis.call('HGET', KEYS[2], ARGV[1])
if not old then return {'not_registered'} end
local r = cjson.decode(old)
if r.status == 'cancelled' then
  if r.cancel_msg == ARGV[4] then return {'cancelled', r.was} end
  return {'not_registered'}
end
local now = tonumber(ARGV[2])
local e = redis.call('HMGET', KEYS[1], 'start', 'capacity')
if now >= tonumber(e[1]) then return {'started'} end
local was = r.status
r.status = 'cancelled'
r.cancelled_at = now
r.was = was
r.cancel_msg = ARGV[4]
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(r))
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
local result = {'cancelled', was}
while redis.call('ZCARD', KEYS[3]) < tonumber(e[2]) do
  local first = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
  if #first == 0 then break end
  redis.call('ZREM', KEYS[4], first[1])
  redis.call('ZADD', KEYS[3], first[2], first[1])
  local p = cjson.decode(redis.call('HGET', KEYS[2], first[1]))
  p.status = 'confirmed'
  p.promoted_at = now
  redis.call('HSET', KEYS[2], first[1], cjson.encode(p))
  local owed = redis.call('HGET', KEYS[5], first[1])
  owed = owed and cjson.decode(owed) or {}
  table.insert(owed, 'promoted:' .. ARGV[3])
  redis.call('HSET', KEYS[5], first[1], cjson.encode(owed))
  table.insert(result, first[1])
end
return result
"""

# Call off an event: no more sign-ups, and everyone signed up or waiting is told when they next
# write. KEYS: event, regs, notices   ARGV: number, the event's JSON with its new status
_CALL_OFF = """
if redis.call('HGET', KEYS[1], 'status') ~= 'open' then return -1 end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'json', ARGV[2])
local regs = redis.call('HGETALL', KEYS[2])
local told = 0
for i = 1, #regs, 2 do
  if cjson.decode(regs[i + 1]).status ~= 'cancelled' then
    local owed = redis.call('HGET', KEYS[3], regs[i])
    owed = owed and cjson.decode(owed) or {}
    table.insert(owed, 'cancelled:' .. ARGV[1])
    redis.call('HSET', KEYS[3], regs[i], cjson.encode(owed))
    told = told + 1
  end
end
return told
"""

# Hand out what a follower is owed, once; the same message asking again (its reply was lost
# and redis-py resent the script) gets the same notices. KEYS: notices, taken  ARGV: follower, msg
_TAKE_NOTICES = """
local owed = redis.call('HGET', KEYS[1], ARGV[1])
if owed then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HSET', KEYS[2], ARGV[1], cjson.encode({msg = ARGV[2], owed = owed}))
  return owed
end
local last = redis.call('HGET', KEYS[2], ARGV[1])
if last then
  last = cjson.decode(last)
  if last.msg == ARGV[2] then return last.owed end
end
return false
"""


@dataclass(frozen=True)
class SignUp:
    """What a sign-up did: outcome new|already|not_found|not_open|closed|full|cancelled_event."""

    outcome: str
    status: str = ""  # confirmed | waitlisted
    position: int = 0  # 1-based: among those with places, or on the waiting list
    code: str = ""


@dataclass(frozen=True)
class Cancellation:
    """What a cancellation did: outcome cancelled|not_registered|started; who moved up."""

    outcome: str
    was: str = ""
    promoted: tuple[str, ...] = ()


def follower_id(account: str, openid: str) -> str:
    return f"{account}:{openid}"


def new_codes() -> list[str]:
    """Random check-in code candidates; the script keeps the first one unused in the event."""
    return [
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        for _ in range(CODE_CANDIDATES)
    ]


def sign_up(redis: Any, number: int, account: str, openid: str, now: float, msg: str) -> SignUp:
    """Sign a follower up (a place or the waiting list); `msg` makes a retry idempotent."""
    follower = follower_id(account, openid)
    keys = [
        EventKeys.event(number),
        EventKeys.registrations(number),
        EventKeys.confirmed(number),
        EventKeys.waiting(number),
        EventKeys.order(number),
        EventKeys.codes(number),
        EventKeys.mine(follower),
    ]
    args = [follower, now, msg, account, openid, number, *new_codes()]
    outcome, status, position, code = redis.register_script(_SIGN_UP)(keys, args)
    return SignUp(_str(outcome), _str(status), int(position), _str(code))


def cancel(
    redis: Any, number: int, account: str, openid: str, now: float, msg: str
) -> Cancellation:
    """Cancel a follower's sign-up; the first on the waiting list takes the place. `msg` (the
    message asking, never empty) makes a retry answer as the first run did."""
    keys = [
        EventKeys.event(number),
        EventKeys.registrations(number),
        EventKeys.confirmed(number),
        EventKeys.waiting(number),
        EventKeys.NOTICES,
    ]
    args = [follower_id(account, openid), now, number, msg]
    result = [_str(item) for item in redis.register_script(_CANCEL)(keys, args)]
    _owed.clear()
    return Cancellation(result[0], result[1] if len(result) > 1 else "", tuple(result[2:]))


def call_off(redis: Any, event: Event) -> int | None:
    """Cancel an event (by its editors); return how many followers will be told, None if it was
    not open."""
    keys = [EventKeys.event(event.number), EventKeys.registrations(event.number), EventKeys.NOTICES]
    args = [event.number, replace(event, status="cancelled").to_json()]
    told = int(redis.register_script(_CALL_OFF)(keys, args))
    _owed.clear()
    return None if told < 0 else told


def take_notices(redis: Any, account: str, openid: str, msg: str) -> list[tuple[str, int]]:
    """(promoted|cancelled, event number) the follower is owed since they last wrote; each once."""
    # EVALSHA (the script is cached by Redis): this runs for every message a follower sends.
    keys = [EventKeys.NOTICES, EventKeys.NOTICES_TAKEN]
    raw = redis.register_script(_TAKE_NOTICES)(keys, [follower_id(account, openid), msg])
    entries = json.loads(raw) if raw else []
    return [(kind, int(number)) for kind, _, number in (e.partition(":") for e in entries)]


def may_be_owed(redis: Any, account: str, openid: str) -> bool:
    """Whether the follower may be owed a notice (read at most once a second: _OWED_FOR)."""
    client = unwrapped(redis)
    cached = _owed.get(client)
    if cached is None or cached[1] <= _monotonic():
        owed = frozenset(_str(name) for name in redis.hkeys(EventKeys.NOTICES))
        cached = _owed[client] = (owed, _monotonic() + _OWED_FOR)
    return follower_id(account, openid) in cached[0]


def registration(redis: Any, number: int, account: str, openid: str) -> dict[str, Any] | None:
    """The follower's record for one event, or None."""
    raw = redis.hget(EventKeys.registrations(number), follower_id(account, openid))
    return json.loads(raw) if raw else None


def position(redis: Any, number: int, follower: str, status: str) -> int:
    """1-based place among those confirmed or on the waiting list; 0 if not there."""
    key = EventKeys.confirmed(number) if status == "confirmed" else EventKeys.waiting(number)
    rank = redis.zrank(key, follower)
    return 0 if rank is None else rank + 1


def _str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def mask(openid: str) -> str:
    """An openid as editors may see it: enough to tell two apart, never the whole."""
    return f"{openid[:4]}…{openid[-4:]}" if len(openid) > 10 else "…"
