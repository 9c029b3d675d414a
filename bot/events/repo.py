"""Events in Redis: numbered once, stored whole, listed by what is still to come."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.events.model import Event
from bot.store import EventKeys

MAX_LISTED = 500  # events read for a listing; far more than are ever on at once


@dataclass(frozen=True)
class Listed:
    """An event with how many places are taken and how many wait."""

    event: Event
    taken: int
    waiting: int

    @property
    def left(self) -> int:
        return max(0, self.event.capacity - self.taken)


class EventRepo:
    """Add, read and list events; sign-ups live in bot.events.signup."""

    def __init__(self, redis: Any) -> None:
        self.redis = redis

    def add(self, events: list[Event]) -> list[Event]:
        """Store events all together (one transaction) with new numbers; return them numbered."""
        if not events:
            return []
        last = int(self.redis.incrby(EventKeys.SEQ, len(events)))
        numbered = [e.with_number(last - len(events) + 1 + i) for i, e in enumerate(events)]
        with self.redis.pipeline(transaction=True) as pipe:
            for event in numbered:
                pipe.hset(EventKeys.event(event.number), mapping=event.to_hash())
                pipe.zadd(EventKeys.ALL, {str(event.number): event.end.timestamp()})
            pipe.execute()
        return numbered

    def get(self, number: int) -> Event | None:
        raw = self.redis.hget(EventKeys.event(number), "json")
        return Event.from_json(raw) if raw else None

    def all(self) -> list[Event]:
        """Every event, by number."""
        numbers = [int(n) for n in self.redis.zrange(EventKeys.ALL, 0, -1)]
        return sorted(self._load(numbers), key=lambda e: e.number)

    def upcoming(self, now: datetime) -> list[Listed]:
        """Open events not yet over, soonest first, with their places taken."""
        numbers = self.redis.zrangebyscore(
            EventKeys.ALL, f"({now.timestamp()}", "+inf", start=0, num=MAX_LISTED
        )
        events = [e for e in self._load([int(n) for n in numbers]) if e.status == "open"]
        return sorted(self.counts(events), key=lambda item: (item.event.start, item.event.number))

    def counts(self, events: list[Event]) -> list[Listed]:
        """Places taken and people waiting for each event, in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for event in events:
            pipe.zcard(EventKeys.confirmed(event.number))
            pipe.zcard(EventKeys.waiting(event.number))
        sizes = pipe.execute()
        return [
            Listed(event, int(sizes[2 * i]), int(sizes[2 * i + 1]))
            for i, event in enumerate(events)
        ]

    def registrations(self, number: int) -> list[tuple[str, dict[str, Any]]]:
        """Every sign-up to an event, (follower, record), in sign-up order."""
        records = self.redis.hgetall(EventKeys.registrations(number))
        rows = [(_str(k), json.loads(v)) for k, v in records.items()]
        return sorted(rows, key=lambda row: row[1]["seq"])

    def followed_numbers(self, follower: str) -> list[int]:
        """Numbers of the events a follower has ever signed up for."""
        return sorted(int(n) for n in self.redis.smembers(EventKeys.mine(follower)))

    def _load(self, numbers: list[int]) -> list[Event]:
        if not numbers:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for number in numbers:
            pipe.hget(EventKeys.event(number), "json")
        return [Event.from_json(raw) for raw in pipe.execute() if raw]


def _str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
