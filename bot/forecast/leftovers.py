"""What is left of a question once its places and days are read: never silently dropped.

A leftover word where a place goes (just before a day or an air word, or after a day) is a place
the bot did not recognise: it is read by its sound when that is unambiguous (杭洲 → 杭州), asked
about when it sounds like two places (素州: 苏州 or 宿州?), and otherwise reported. A leftover that
looks like a date (32号, 13.5, 下个月) is reported too. Nothing is replaced by a default in silence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bot.activities import vocabulary
from bot.forecast.days import BLANK
from bot.forecast.nearmiss import near_miss

PLACE_MARK = "\x01"  # a place read from the text
AIR_MARK = "\x02"  # an air-quality word
QUIET = "\x03"  # a filler word (的, 在, 呢): looked through when finding a word's neighbours
WORD_MARK = "\x04"  # a word of the question itself (能, 跑步, 孩子): a place does not stand there
MARKS = BLANK + PLACE_MARK + AIR_MARK + QUIET + WORD_MARK

# Words of a question that are never place names: asking words, activities, people, judgements.
QUESTION_WORDS = tuple(
    "能不能 可不可以 可以 能 要不要 需要 应该 要 会 有没有 有 没有 是不是 是 多少 多大 几级 "
    "什么 啥 严重 高不高 高 低 大 差 重 还 那么 那 么 吧 嘛 哦 哈 玩 出去 出去玩 一起 我们 "
    "我 你 他 她 孩子 小孩 宝宝 老人 家人 朋友 可 天气 能见度 戴 带 开 去 走 安全 健康 适宜 "
    "空气好 空气差 家里 这里 那里 外面 室内 室外 附近 周边 "
    # Voice input and chat openers: 喂喂, 嗯, 那个, 就是说.
    "喂 嗯 哎 诶 唉 呃 额 嘿 哈喽 你好 您好 那个 就是说 就是 麻烦 行不行 行吗 行 不".split()
)
# A leftover starting with one of these verbs is something to do (洗车, 买菜, 爬山), not a place:
# no place name of the region, nor a well-known one outside it, starts with them.
ACTION_VERBS = frozenset("洗买吃喝骑爬跑逛晒晾擦刷种浇钓踢遛跳拍扫拖搬煮烧炒")
# A place name never holds these particles: 老婆怀孕了 is a sentence, not a place.
PARTICLES = frozenset("了着啦嘛吧哦呀")
# Endings of a part of a place (西湖边, 工业园区, 黄山风景区): after a city, answered by that city.
PART_SUFFIXES = tuple(
    "区 县 镇 乡 街道 街 路 边 附近 一带 周边 公园 景区 湖 山 岛 港 站 机场 大学 广场 村".split()
)
# Place-name endings: a leftover ending in one of them is a place word wherever it stands.
PLACE_SUFFIXES = tuple("市 县 区 镇 乡 省".split())
MAX_PLACE_CHARS = 6
# Date words the day rules do not read: said to be not understood, never replaced by today.
VAGUE_DAYS = tuple(
    sorted(
        "下个月 下月 上个月 月初 月中 年底 年初 明年 春节 元旦 国庆 五一 清明 端午 中秋 假期 "
        "节假日 长假 小长假".split(),
        key=len,
        reverse=True,
    )
)
_DATE_LIKE = re.compile(
    r"(?<!pm )(?<![a-z\d.])\d{1,4}(?:[.\-/]\d{1,4})+(?![\d])"
    r"|(?<![a-z\d.])\d{1,4}(?:号|日|月份|月)"
    r"|[一二三四五六七八九十]{1,3}(?:号)"
    r"|(?:下|这|本)?(?:周|星期|礼拜)[八九十零]"
)
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


@dataclass(frozen=True)
class Leftovers:
    """Place words read by sound, asked about, or not recognised; date words not understood."""

    guessed: tuple[tuple[str, str], ...] = ()  # (typed, the place it was read as)
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (typed, the places it sounds like)
    unknown: tuple[str, ...] = ()  # place-like words not recognised
    inside: tuple[tuple[str, int], ...] = ()  # (word, where it starts) right after a known place
    unread_days: tuple[str, ...] = ()  # date-like words not understood
    text: str = ""  # the text with guessed places marked as places


def read_leftovers(text: str, air_words: tuple[str, ...], filler: tuple[str, ...]) -> Leftovers:
    """Look at what `text` (places and days already marked) still holds."""
    marked = _mark(text, air_words, filler)
    unread = tuple(m.group(0) for m in _DATE_LIKE.finditer(marked))
    marked = _DATE_LIKE.sub(lambda m: QUIET * len(m.group(0)), marked)
    for word in VAGUE_DAYS:
        if word in marked:
            unread += (word,)
            marked = marked.replace(word, QUIET * len(word))
    guessed: list[tuple[str, str]] = []
    ambiguous: list[tuple[str, tuple[str, ...]]] = []
    unknown: list[str] = []
    inside: list[tuple[str, int]] = []
    out = list(text)
    for m in _CJK_RUN.finditer(marked):
        word = m.group(0)
        found = near_miss(word)
        if found is not None and found.unambiguous:
            guessed.append((word, found.places[0]))
            out[m.start() : m.end()] = PLACE_MARK * len(word)
        elif found is not None:
            ambiguous.append((word, found.places))
        elif marked[m.start() - 1 : m.start()] == PLACE_MARK and _is_part(word):
            inside.append((word, m.start()))  # 杭州西湖边, 苏州工业园区: a part of that place
        elif _looks_like_place(marked, m.start(), m.end()):
            unknown.append(word)
    return Leftovers(
        tuple(guessed), tuple(ambiguous), tuple(unknown), tuple(inside), unread, "".join(out)
    )


def _mark(text: str, air_words: tuple[str, ...], filler: tuple[str, ...]) -> str:
    """Air words, question words and filler words marked, leftmost-longest, in one pass."""
    pattern, marks = _marker(air_words, filler)
    return pattern.sub(lambda m: marks[m.group(0)] * len(m.group(0)), text)


@cache
def _marker(
    air_words: tuple[str, ...], filler: tuple[str, ...]
) -> tuple[re.Pattern[str], dict[str, str]]:
    # A word in several lists takes the strongest mark: air, then question word, then filler.
    marks = {word: QUIET for word in filler}
    marks.update((word, WORD_MARK) for word in (*QUESTION_WORDS, *vocabulary()))
    marks.update((word, AIR_MARK) for word in air_words)
    longest_first = sorted(marks, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, longest_first))), marks


def _is_part(word: str) -> bool:
    return len(word) <= MAX_PLACE_CHARS and word.endswith(PART_SUFFIXES)


def _looks_like_place(marked: str, start: int, end: int) -> bool:
    """Two to six characters where a place goes: before a day or air word, after a day, alone
    before 呢 (黄冈呢), or ending like a place name (黄冈市, 某某县)."""
    word = marked[start:end]
    if not 2 <= len(word) <= MAX_PLACE_CHARS or _is_sentence(word):
        return False
    if word.endswith(PLACE_SUFFIXES):
        return True
    before, after = _neighbour(marked, start - 1, -1), _neighbour(marked, end, 1)
    if after in (BLANK, AIR_MARK) or (after == PLACE_MARK and len(word) <= 3):
        return True
    if before == "" and after == "" and marked[end : end + 1] == QUIET:
        return True  # 黄冈呢: the whole message is a place and a filler word
    return before == BLANK and after in ("", AIR_MARK, WORD_MARK)


def _is_sentence(word: str) -> bool:
    """Words that do something or say something, not name somewhere: 洗车, 老婆怀孕了."""
    return word[0] in ACTION_VERBS or not PARTICLES.isdisjoint(word)


def _neighbour(marked: str, i: int, step: int) -> str:
    """The nearest mark or character in one direction, skipping spaces and quiet words."""
    while 0 <= i < len(marked) and marked[i] in " " + QUIET:
        i += step
    return marked[i] if 0 <= i < len(marked) else ""
