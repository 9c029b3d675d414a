"""Read a follower's question: which places and which days, in the words people really use.

Works on normalised text (bot.text.normalise: full-width folded, traditional → simplified). Days
are read first and blanked out, so 周六安徽 is Saturday + 安徽, not 六安.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from bot.forecast.days import default_day, take_days
from bot.forecast.leftovers import MARKS, PLACE_MARK, QUIET, Leftovers, read_leftovers
from bot.forecast.nearmiss import near_miss
from bot.places import Alias, aliases
from bot.text import memo_short

__all__ = ["AIR_WORDS", "Understood", "default_day", "understand", "understand_on"]


AIR_WORDS = tuple(
    "空气 空气质量 空气品质 aqi pm2.5 pm25 pm10 污染 雾霾 霾 预报 "
    "臭氧 优良 质量指数 空质 能见度 口罩".split()
)
# Words around place and day words that do not change the question.
FILLER = tuple(
    "怎么样 怎样 如何 咋样 好不好 好吗 会不会 情况 天气 的 呢 吗 啊 呀 请问 "
    "查询 查一下 查 看看 看 想知道 告诉我 我想 我要 一下 帮我 那边 这边 地区 "
    "区域 全省 全市 我在 在 和 与 跟 还有 以及 及 或 去 到 今年 出门 适合 "
    "户外 运动 跑步 好 玩 那么 那".split()
)
# Messages about reporting pollution are for the 12369 hotline, not for the forecast.
NOT_FORECAST = tuple("举报 投诉 12369 热线 偷排 排污".split())
# Words in which 苏/申/甬 are not place abbreviations.
NOT_PLACES = tuple("申请 申报 申诉 申领 重申 申明 申购 苏醒 复苏 紫苏 苏打 流苏 甬道".split())
_SINGLE_CHAR_OK = frozenset("沪苏浙皖申")
_CJK = re.compile(r"[\u3400-\u9fff]+")
# Shanghai district names that are also districts of another city: with that city named too
# (舟山普陀, 舟山市普陀区), the district is that city's, not Shanghai's.
SHARED_DISTRICTS = {"普陀": "舟山", "普陀区": "舟山"}
# Places answered by the forecast of the city they are in: the answer says which city it used.
PARTS = ("district", "county", "landmark")
# "问一下周六" is 问一下 + 周六, not 下周六: 一下 (a verb's "a bit") never starts a date word.
_A_BIT = re.compile(r"一下(?!午)")
# Understandings kept per process: a pure function of the text and today's date (the place and
# word tables are fixed for the process), so a question asked again today is read once. The
# date is in the key, so a new day reads every text afresh; bounded, least recently used out.
UNDERSTOOD_CACHED = 4096
# "下下周" (no day named) is the week after next, not 下周: said to be not understood; 下下周一
# names a day, which the day rules read.
_TOO_FAR = re.compile(r"下下个?(?:(?:周|星期|礼拜)(?![一二三四五六日天末1-7])|月)")


@dataclass(frozen=True)
class Understood:
    """What a message asks about; empty tuples mean 'not said'."""

    places: tuple[str, ...] = ()
    days: tuple[date, ...] = ()
    outside: tuple[str, ...] = ()  # named places the forecast does not cover
    via: tuple[tuple[str, str], ...] = ()  # (district as typed, the place answering for it)
    residue: str = ""  # what is left once places, days and filler words are taken out
    asks_air: bool = False  # an air-quality word is in the message
    impossible: tuple[str, ...] = ()  # date words naming no real day: 11月31日
    guessed: tuple[tuple[str, str], ...] = ()  # (typed, place) read by sound: (杭洲, 杭州)
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (素州, (苏州, 宿州)): ask
    unknown: tuple[str, ...] = ()  # words where a place goes that name no place we know
    unread_days: tuple[str, ...] = ()  # words that look like a date but are not understood

    @property
    def names_place(self) -> bool:
        """A place word was typed, whether or not it could be read."""
        return bool(self.places or self.outside or self.ambiguous or self.unknown)

    @property
    def names_day(self) -> bool:
        """A date word was typed, whether or not it could be read."""
        return bool(self.days or self.impossible or self.unread_days)


def understand(text: str, now: datetime) -> Understood:
    """Find places and days in normalised text; dates relative to `now` (Asia/Shanghai)."""
    return understand_on(text, now.date())


@memo_short(UNDERSTOOD_CACHED)
def understand_on(text: str, today: date) -> Understood:
    """`understand` on a given day; memoised (the result is frozen, so sharing it is safe)."""
    flat = text.replace(" ", "")
    had_air = any(w in flat for w in AIR_WORDS) and not any(w in flat for w in NOT_FORECAST)
    text = _A_BIT.sub(QUIET * 2, text)
    too_far = tuple(m.group(0) for m in _TOO_FAR.finditer(text))
    text = _TOO_FAR.sub(lambda m: QUIET * len(m.group(0)), text)
    text, days, impossible = take_days(text, today)
    text, spans = _take_places(text)
    found = _resolve_shared([alias for _, alias in spans])
    left = read_leftovers(text, AIR_WORDS, FILLER)
    places = tuple(
        dict.fromkeys(
            [p for a in found if a.kind != "outside" for p in a.places]
            + [place for _, place in left.guessed]
        )
    )
    outside = tuple(dict.fromkeys(a.word for a in found if a.kind == "outside"))
    via = tuple(
        dict.fromkeys(
            [(a.word, a.places[0]) for a in found if a.kind in PARTS] + _inside(left, spans)
        )
    )
    return Understood(
        places,
        tuple(sorted(set(days))),
        outside,
        via,
        _residue(left.text),
        had_air,
        tuple(impossible),
        left.guessed,
        left.ambiguous,
        left.unknown,
        too_far + left.unread_days,
    )


def _inside(left: Leftovers, spans: list[tuple[int, Alias]]) -> list[tuple[str, str]]:
    """杭州西湖边 → (西湖边, 杭州): a part of the place just before it, answered by that place."""
    pairs = []
    for word, start in left.inside:
        before = [a for end, a in spans if end == start and a.kind != "outside"]
        if before and len(before[0].places) == 1:
            pairs.append((word, before[0].places[0]))
    return pairs


def _resolve_shared(found: list[Alias]) -> list[Alias]:
    named = {p for a in found if a.kind != "district" for p in a.places}
    return [
        a for a in found if not (a.kind == "district" and SHARED_DISTRICTS.get(a.word) in named)
    ]


def _residue(text: str) -> str:
    rest = "".join(c for c in text if c not in MARKS).replace(" ", "")
    for word in sorted(FILLER, key=len, reverse=True):
        rest = rest.replace(word, "")
    return re.sub(r"[?？!！。,，.~]+", "", rest)


# ---- places -----------------------------------------------------------------------------------


def _take_places(text: str) -> tuple[str, list[tuple[int, Alias]]]:
    """Leftmost-longest place names, each with where it ends; ASCII pinyin only as whole words."""
    for word in NOT_PLACES:
        text = text.replace(word, QUIET * len(word))
    table = aliases()
    longest, starts = _shape()
    found: list[tuple[int, Alias]] = []
    out = list(text)
    i = 0
    while i < len(text):
        match = _match_at(text, i, table, longest) if text[i] in starts else None
        if match is None:
            i += 1
            continue
        i += len(match.word)
        found.append((i, match))
        out[i - len(match.word) : i] = PLACE_MARK * len(match.word)
    return "".join(out), found


@cache
def _shape() -> tuple[int, frozenset[str]]:
    """The longest alias, and every character an alias starts with (most positions start none)."""
    return max(map(len, aliases())), frozenset(word[0] for word in aliases())


def _match_at(text: str, i: int, table: dict[str, Alias], longest: int) -> Alias | None:
    for size in range(min(longest, len(text) - i), 0, -1):
        alias = table.get(text[i : i + size])
        if alias is None:
            continue
        if alias.word.isascii() and not _whole_word(text, i, size):
            continue
        if size == 1 and (alias.word not in _SINGLE_CHAR_OK or _starts_near_miss(text, i)):
            continue
        return alias
    return None


def _starts_near_miss(text: str, i: int) -> bool:
    """苏洲, 浙疆: the abbreviation starts a mistyped place name, read by its sound instead."""
    return any(
        (found := near_miss(text[i : i + size])) is not None and found.unambiguous
        for size in (2, 3)
        if i + size <= len(text) and _CJK.fullmatch(text[i + 1 : i + size])
    )


def _whole_word(text: str, i: int, size: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + size] if i + size < len(text) else " "
    return not (before.isascii() and before.isalpha()) and not (after.isascii() and after.isalpha())
