"""Activity and health questions (能跑步吗, 要开窗吗, 带孩子出去可以吗): what is asked, and the
advice for the level, the activity and the person (bot/data/activities.json, HJ 633 levels).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

# With only a person named (哮喘病人明天怎么样), the question is whether they can go out.
DEFAULT_KIND = "outing"
# How people name those they ask for, around the group words: 哮喘病人, 心脏病患者.
PEOPLE = ("病人", "患者", "的人", "人群", "体质")


@dataclass(frozen=True)
class Activity:
    """What the follower wants to do, the word they used, and for whom (empty: themselves)."""

    kind: str  # exercise, outing, window, laundry, mask, purifier
    word: str
    group: str = ""  # a sensitive group (儿童, 老年人 …), or "" for the general public
    group_word: str = ""


@dataclass(frozen=True)
class Kind:
    name: str
    words: tuple[str, ...]
    source: str
    general: tuple[str, ...]  # one text per level, 1..6
    sensitive: tuple[str, ...]


@cache
def _raw() -> dict:
    return json.loads(resources.files("bot").joinpath("data/activities.json").read_text("utf-8"))


@cache
def kinds() -> dict[str, Kind]:
    """Every activity kind, by key."""
    return {
        key: Kind(
            k["name"],
            tuple(k["words"]),
            k["source"],
            tuple(k["general"]),
            tuple(k["sensitive"]),
        )
        for key, k in _raw()["activities"].items()
    }


@cache
def _words() -> tuple[tuple[str, str], ...]:
    """(word, kind), longest words first, so 户外活动 wins over 户外 and 晾衣服 over 衣服."""
    pairs = [(w, key) for key, k in kinds().items() for w in k.words]
    return tuple(sorted(pairs, key=lambda pair: len(pair[0]), reverse=True))


@cache
def _group_words() -> tuple[tuple[str, str], ...]:
    pairs = [(w, group) for group, words in _raw()["groups"].items() for w in words]
    return tuple(sorted(pairs, key=lambda pair: len(pair[0]), reverse=True))


def read_activity(text: str) -> Activity | None:
    """The activity a (normalised) message asks about, or None if it names none."""
    compact = text.replace(" ", "")
    named = [(w, k) for w, k in _words() if w in compact]
    # Going out is how most other activities start (去公园晨练, 出门戴口罩): the specific one wins.
    found = next(iter(sorted(named, key=lambda pair: pair[1] == DEFAULT_KIND)), None)
    who = next(((w, g) for w, g in _group_words() if w in compact), None)
    if found is None and who is None:
        return None
    word, kind = found or ("出门", DEFAULT_KIND)
    word = _raw()["said_as"].get(word, word)  # 跑个 → 跑步: how the answer names it
    group, group_word = (who[1], who[0]) if who else ("", "")
    return Activity(kind, word, group, group_word)


def advice(activity: Activity, level_number: int, ozone: bool) -> str:
    """The advice for the activity at a level, for the general public or the sensitive group."""
    kind = kinds()[activity.kind]
    texts = kind.sensitive if activity.group else kind.general
    line = texts[level_number - 1].format(act=_act(activity), who=_who(activity))
    if ozone and level_number >= 3:
        line += _raw()["ozone_note"]
    return line


def source(activity: Activity) -> str:
    """Where the advice for this activity comes from."""
    return kinds()[activity.kind].source


def label(activity: Activity) -> str:
    """'跑步', '带孩子出门', '开窗通风': how the answer names what was asked."""
    if activity.kind not in ("exercise", "outing"):
        return kinds()[activity.kind].name
    companion = activity.group_word if activity.group_word.startswith("带") else ""
    return companion + _act(activity)


@cache
def vocabulary() -> tuple[str, ...]:
    """Every activity and group word: part of how people ask, never a place name."""
    return (*(w for w, _ in _words()), *(w for w, _ in _group_words()), *PEOPLE)


def _act(activity: Activity) -> str:
    if activity.kind == "outing" and activity.word in ("出去", "户外活动"):
        return "出门"
    return activity.word


def _who(activity: Activity) -> str:
    """'孩子' for 带孩子; the group's name for a condition (哮喘 → 呼吸系统疾病患者)."""
    word = activity.group_word.removeprefix("带")
    return word if activity.group in ("儿童", "老年人") else activity.group
