"""A forecast issue: who issued it, when, and per place and day: levels, AQI range, pollutants."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.forecast.levels import level_text
from bot.places import province_of

ZONE = ZoneInfo("Asia/Shanghai")
DEFAULT_SOURCE = "长三角区域空气质量预测预报中心"


def default_standard(day: date) -> str:
    """HJ 633-2026 replaces HJ 633-2012 from 2026-03-01; the band edges are the same in both."""
    return "HJ 633-2026" if day >= date(2026, 3, 1) else "HJ 633-2012"


@dataclass(frozen=True)
class PlaceDay:
    """One place (a province or a city) on one day."""

    place: str
    day: date
    level_lo: int
    level_hi: int
    aqi_min: int | None = None
    aqi_max: int | None = None
    pollutants: tuple[str, ...] = ()

    @property
    def is_trend(self) -> bool:
        """A trend day carries levels only, no AQI numbers."""
        return self.aqi_min is None

    @property
    def level_text(self) -> str:
        return level_text(self.level_lo, self.level_hi)

    def to_dict(self) -> dict[str, Any]:
        return {
            "place": self.place,
            "date": self.day.isoformat(),
            "level_lo": self.level_lo,
            "level_hi": self.level_hi,
            "aqi_min": self.aqi_min,
            "aqi_max": self.aqi_max,
            "pollutants": list(self.pollutants),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> PlaceDay:
        return cls(
            raw["place"],
            date.fromisoformat(raw["date"]),
            raw["level_lo"],
            raw["level_hi"],
            raw["aqi_min"],
            raw["aqi_max"],
            tuple(raw["pollutants"]),
        )


@dataclass(frozen=True)
class ForecastIssue:
    """One published forecast; its id comes from its content, so re-importing is harmless."""

    issued_at: datetime  # aware, Asia/Shanghai
    rows: tuple[PlaceDay, ...]
    source: str = DEFAULT_SOURCE
    standard: str = ""
    summary: str = ""
    health_tip: str = ""
    id: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.standard:
            object.__setattr__(self, "standard", default_standard(self.issued_at.date()))
        if not self.id:
            object.__setattr__(self, "id", self._content_id())

    def _content_id(self) -> str:
        body = json.dumps(self._body(), ensure_ascii=False, sort_keys=True).encode()
        return f"{self.issued_at:%Y%m%d%H%M}-{hashlib.sha256(body).hexdigest()[:10]}"

    @property
    def days(self) -> tuple[date, ...]:
        """Every forecast day, in order."""
        return tuple(sorted({r.day for r in self.rows}))

    @property
    def places(self) -> tuple[str, ...]:
        """Every place with rows of its own, in first-seen order."""
        return tuple(dict.fromkeys(r.place for r in self.rows))

    def row(self, place: str, day: date) -> PlaceDay | None:
        """The row for a place and day, or None."""
        return self._index().get((place, day))

    def rows_for(self, place: str) -> tuple[PlaceDay, ...]:
        """The place's rows in date order."""
        return tuple(sorted((r for r in self.rows if r.place == place), key=lambda r: r.day))

    def answer(self, place: str, day: date) -> PlaceDay | None:
        """The row that answers for a place and day: its own, else its province's (a city often
        has rows only for day 1, the 落区 map), else None."""
        return self.row(place, day) or self.row(province_of(place), day)

    def _index(self) -> dict[tuple[str, date], PlaceDay]:
        cached = self.__dict__.get("_index_cache")
        if cached is None:
            cached = {(r.place, r.day): r for r in self.rows}
            object.__setattr__(self, "_index_cache", cached)
        return cached

    def memo(self) -> OrderedDict[Any, Any]:
        """A per-issue store for answers worked out from it: the issue is fixed content, so an
        answer memoised here is never stale, and a new issue starts with an empty one."""
        memo = self.__dict__.get("_memo")
        if memo is None:
            memo = OrderedDict()  # popitem(last=False) drops the oldest in one call, thread-safe
            object.__setattr__(self, "_memo", memo)
        return memo

    def _body(self) -> dict[str, Any]:
        return {
            "issued_at": self.issued_at.isoformat(),
            "source": self.source,
            "standard": self.standard,
            "summary": self.summary,
            "health_tip": self.health_tip,
            "rows": [r.to_dict() for r in self.rows],
        }

    def to_json(self) -> str:
        """Serialise, id included."""
        return json.dumps({**self._body(), "id": self.id}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> ForecastIssue:
        raw = json.loads(text)
        return cls(
            datetime.fromisoformat(raw["issued_at"]).astimezone(ZONE),
            tuple(PlaceDay.from_dict(r) for r in raw["rows"]),
            raw["source"],
            raw["standard"],
            raw["summary"],
            raw["health_tip"],
            raw["id"],
        )
