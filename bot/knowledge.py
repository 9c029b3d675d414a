"""The curated knowledge base (bot/data/knowledge.json): AQI, the pollutants, the levels, the
forecast itself. Matched by keyword groups, then by close paraphrase; each answer with its source.

The six levels get one entry each, built from the HJ 633 table in bot.forecast.levels, so the
words followers read there are the same the forecast answers and the picture use.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from bot.forecast.levels import AQI_MAX, LEVELS, Level, level_for_aqi

# A close paraphrase shares at least this share of its character pairs with the message.
MIN_SIMILARITY = 0.6
# "AQI 150严重吗", "aqi是120算什么": the level that value falls in.
_AQI_VALUE = re.compile(r"aqi(?:是|为|到了|达到|有)?(\d{1,3})(?!\d)")
# "轻度污染严重吗": asking how bad a level is, answered by the level's effect on health.
HOW_BAD = ("严重吗", "严重不", "要紧", "危害", "有事吗", "没事吧", "对身体", "对健康")
LEVEL_SOURCE = "HJ 633—2012《环境空气质量指数（AQI）技术规定（试行）》表2；HJ 633—2026 沿用六个级别"


@dataclass(frozen=True)
class Entry:
    """One thing followers ask about, and the answer they get."""

    id: str
    title: str
    require: tuple[tuple[str, ...], ...]  # every group needs one of its words in the message
    paraphrases: tuple[str, ...]
    answer: str
    source: str
    with_days: bool = False  # answers even when the message names a day (实时 reads as today)

    def text(self) -> str:
        """The reply: the answer and where it comes from."""
        return f"{self.answer}\n来源：{self.source}"


@cache
def _raw() -> dict:
    return json.loads(resources.files("bot").joinpath("data/knowledge.json").read_text("utf-8"))


@cache
def entries() -> tuple[Entry, ...]:
    """Every entry: the curated ones, then one per HJ 633 level."""
    what = tuple(_raw()["what"])

    def groups(raw: list[list[str]]) -> tuple[tuple[str, ...], ...]:
        return tuple(
            tuple(w for word in group for w in (what if word == "@what" else (word,)))
            for group in raw
        )

    curated = tuple(
        Entry(
            e["id"],
            e["title"],
            groups(e["require"]),
            tuple(e["paraphrases"]),
            e["answer"],
            e["source"],
            bool(e.get("with_days")),
        )
        for e in _raw()["entries"]
    )
    return curated + tuple(_level_entry(level, what) for level in LEVELS)


def _level_entry(level: Level, what: tuple[str, ...]) -> Entry:
    """'轻度污染是什么意思': the level's AQI band, colour, effect on health and advice."""
    band = f"{level.aqi_lo}–{level.aqi_hi}" if level.number < len(LEVELS) else f"{level.aqi_lo}以上"
    answer = (
        f"「{level.name}」是空气质量{level.word}，AQI {band}，用{level.colour_name}表示。\n"
        f"对健康的影响：{level.effect}。\n建议：{level.advice}。"
    )
    names = (level.name,) if len(level.name) > 1 else (f"空气质量{level.name}", f"{level.name}级")
    return Entry(
        f"level-{level.number}",
        f"空气质量{level.name}",
        (names, (*what, "怎么办", "注意什么", "要注意", "影响", "算", *HOW_BAD)),
        (f"空气质量{level.name}是什么意思",),
        answer,
        LEVEL_SOURCE,
    )


def match(text: str, *, with_days_only: bool = False) -> Entry | None:
    """The entry a (normalised) message asks about, or None; `with_days_only`: among the entries
    that answer a message naming a day, by keywords only."""
    # 咋 is how 怎么 is said in chat (咋办, 咋回事): one spelling for the keywords.
    compact = text.replace(" ", "").replace("咋", "怎么")
    if not compact:
        return None
    value = _AQI_VALUE.search(compact)
    if value and not with_days_only and int(value.group(1)) <= AQI_MAX:
        return _level_entries()[level_for_aqi(int(value.group(1))).number - 1]
    best: tuple[int, Entry] | None = None
    for entry in _with_days() if with_days_only else entries():
        score = _score(entry, compact)
        if score and (best is None or score > best[0]):
            best = (score, entry)
    if best or with_days_only:
        return best[1] if best else None
    return _closest(compact)


@cache
def _level_entries() -> tuple[Entry, ...]:
    return entries()[-len(LEVELS) :]


@cache
def _with_days() -> tuple[Entry, ...]:
    return tuple(e for e in entries() if e.with_days)


def _score(entry: Entry, compact: str) -> int:
    """How specifically the message names the entry: the length of the words it matched."""
    total = 0
    for group in entry.require:
        found = max((len(w) for w in group if w in compact), default=0)
        if not found:
            return 0
        total += found
    return total


def _closest(compact: str) -> Entry | None:
    """A close paraphrase of one of the entries' example questions."""
    pairs = _pairs(compact)
    if not pairs:
        return None
    scored = ((len(pairs & p) / len(pairs | p), entry) for p, entry in _paraphrase_pairs())
    similarity, entry = max(scored, key=lambda pair: pair[0])
    return entry if similarity >= MIN_SIMILARITY else None


def _pairs(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


@cache
def _paraphrase_pairs() -> tuple[tuple[frozenset[str], Entry], ...]:
    return tuple((_pairs(p), entry) for entry in entries() for p in entry.paraphrases)
