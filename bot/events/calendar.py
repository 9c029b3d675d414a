"""The environmental days (六五环境日, 全国生态日, 世界地球日 …): dates and the year's themes.

The data (bot/data/environment_days.json) carries its sources; a theme not recorded for a year
is said to be not recorded, never guessed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Day:
    """One environmental day: a fixed month/day, or dates recorded per year (全国低碳日)."""

    id: str
    name: str
    aliases: tuple[str, ...]
    month: int = 0
    day: int = 0
    about: str = ""
    themes: dict[int, str] = field(default_factory=dict)
    theme_source: str = ""
    dates: dict[int, date] = field(default_factory=dict)

    def date_in(self, year: int) -> date | None:
        """Its date in `year`; None when it moves and that year's date is not recorded."""
        if self.month:
            return date(year, self.month, self.day)
        return self.dates.get(year)

    def next_on_or_after(self, today: date) -> date | None:
        """The next time it falls, today included."""
        for year in (today.year, today.year + 1):
            found = self.date_in(year)
            if found and found >= today:
                return found
        return None

    def latest_theme(self, year: int) -> tuple[int, str] | None:
        """The newest recorded theme up to `year`."""
        years = [y for y in self.themes if y <= year]
        return (max(years), self.themes[max(years)]) if years else None


@cache
def days() -> tuple[Day, ...]:
    """Every day in the calendar, in the order of the year."""
    raw = json.loads(
        resources.files("bot").joinpath("data/environment_days.json").read_text("utf-8")
    )
    return tuple(_day(item) for item in raw["days"])


def _day(item: dict) -> Day:
    return Day(
        id=item["id"],
        name=item["name"],
        aliases=tuple(item["aliases"]),
        month=item.get("month", 0),
        day=item.get("day", 0),
        about=item.get("about", ""),
        themes={int(y): t for y, t in item.get("themes", {}).items()},
        theme_source=item.get("theme_source", ""),
        dates={int(y): date.fromisoformat(d) for y, d in item.get("dates", {}).items()},
    )


def find(text: str) -> Day | None:
    """The day a (compact, normalised) text names; the longest alias wins (世界环境日 > 环境日)."""
    hits = [(len(a), d) for d in days() for a in d.aliases if a in text]
    return max(hits, key=lambda hit: hit[0])[1] if hits else None


def upcoming(today: date, limit: int = 6) -> list[tuple[date, Day]]:
    """The next environmental days from today, soonest first."""
    found = [(d.next_on_or_after(today), d) for d in days()]
    return sorted(((when, d) for when, d in found if when), key=lambda pair: pair[0])[:limit]
