"""An event followers can sign up for: what, where, when, how many places, the sign-up window."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.places import city, province_of

ZONE = ZoneInfo("Asia/Shanghai")
KINDS = ("开放日", "志愿", "讲座", "环境日", "展览", "其他")
STATUSES = ("open", "cancelled")
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Event:
    """One event; `number` is 0 until the store gives it one."""

    title: str
    kind: str
    region: str  # a province (上海/江苏/浙江/安徽) or one of the 41 cities
    place: str
    start: datetime  # Asia/Shanghai
    end: datetime
    capacity: int
    signup_opens: datetime
    signup_closes: datetime
    description: str = ""
    link: str = ""
    lat: float | None = None
    lng: float | None = None
    waitlist: int | None = None  # most people on the waiting list; None: no limit
    status: str = "open"
    number: int = 0

    @property
    def province(self) -> str:
        return province_of(self.region)

    def coordinates(self) -> tuple[float, float] | None:
        """The place's own coordinates, else its city's centre; None for a province-wide event."""
        if self.lat is not None and self.lng is not None:
            return self.lat, self.lng
        found = city(self.region)
        return (found.lat, found.lng) if found else None

    def when(self) -> str:
        """'12月5日（周六）09:30–11:30', or both dates when it spans days."""
        start, end = self.start.astimezone(ZONE), self.end.astimezone(ZONE)
        first = f"{start.month}月{start.day}日（周{WEEKDAYS[start.weekday()]}）{start:%H:%M}"
        if end.date() == start.date():
            return f"{first}–{end:%H:%M}"
        return f"{first}–{end.month}月{end.day}日 {end:%H:%M}"

    def signup_state(self, now: datetime) -> str:
        """Where sign-up stands at `now`: cancelled | not_open | open | closed (as the sign-up
        script decides it)."""
        if self.status != "open":
            return "cancelled"
        if now < self.signup_opens:
            return "not_open"
        return "closed" if now >= self.signup_closes else "open"

    def with_number(self, number: int) -> Event:
        return replace(self, number=number)

    def to_json(self) -> str:
        data = asdict(self)
        for name in ("start", "end", "signup_opens", "signup_closes"):
            data[name] = getattr(self, name).isoformat()
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> Event:
        data: dict[str, Any] = json.loads(raw)
        for name in ("start", "end", "signup_opens", "signup_closes"):
            data[name] = datetime.fromisoformat(data[name]).astimezone(ZONE)
        return cls(**data)

    def to_hash(self) -> dict[str, str | int | float]:
        """The stored hash: the JSON, and the fields the sign-up script reads."""
        return {
            "json": self.to_json(),
            "capacity": self.capacity,
            "waitlist": -1 if self.waitlist is None else self.waitlist,
            "opens": self.signup_opens.timestamp(),
            "closes": self.signup_closes.timestamp(),
            "start": self.start.timestamp(),
            "status": self.status,
        }


def short_date(moment: datetime) -> str:
    """'12月1日 09:00' in Asia/Shanghai."""
    local = moment.astimezone(ZONE)
    return f"{local.month}月{local.day}日 {local:%H:%M}"
