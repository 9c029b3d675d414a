"""Place names typed with a same-sounding wrong character: 杭洲 → 杭州, 南经 → 南京, 合废 → 合肥.

A typed word is read as a place only when the match is unambiguous: the same syllables (tones
ignored) as exactly one place, and either a character in common at the same position (杭洲/杭州,
合废/合肥) or the very same tones (航州/杭州). So 进化 (jìnhuà) is not 金华 (jīnhuá), and 素州,
which sounds like both 苏州 and 宿州, is reported as a question rather than answered for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pypinyin import Style, lazy_pinyin

from bot.places import cities, provinces

# Place words are two to three characters; a longer unknown word is not a typo of one of them.
MIN_CHARS, MAX_CHARS = 2, 3
# Sounds that pinyin input and dialects confuse (宁坡 for 宁波, 南经 typed as nan jin): each folded
# to one, so a word one confused sound away from a single place, sharing a character, is read.
_CONFUSED_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("p", "b"), ("t", "d"), ("k", "g"))
_CONFUSED_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


@dataclass(frozen=True)
class NearMiss:
    """What a typed word sounds like: one place (a confident reading) or several (ask)."""

    word: str
    places: tuple[str, ...]

    @property
    def unambiguous(self) -> bool:
        return len(self.places) == 1


def _syllables(word: str) -> tuple[str, ...]:
    """Tone-numbered syllables ('hang2', 'zhou1'); the neutral tone gets no number."""
    return tuple(lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=False))


def _toneless(syllables: tuple[str, ...]) -> str:
    return "".join(s.rstrip("012345") for s in syllables)


@cache
def _index() -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    """Toneless pinyin → (place name, its toned syllables) for the provinces and the 41 cities."""
    table: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for name in dict.fromkeys((*provinces(), *(c.name for c in cities()))):
        syllables = _syllables(name)
        table.setdefault(_toneless(syllables), []).append((name, syllables))
    return {key: tuple(value) for key, value in table.items()}


def near_miss(word: str) -> NearMiss | None:
    """The place(s) `word` is most likely a mistyping of, or None if it sounds like none."""
    if not MIN_CHARS <= len(word) <= MAX_CHARS:
        return None
    syllables = _syllables(word)
    candidates = _index().get(_toneless(syllables), ())
    sharing = tuple(name for name, _ in candidates if _shares_a_char(word, name))
    if len(sharing) == 1:
        return NearMiss(word, sharing)
    same_tones = tuple(name for name, toned in candidates if toned == syllables)
    if len(candidates) == 1 and same_tones:
        return NearMiss(word, same_tones)
    if len(candidates) > 1 and (sharing or same_tones):
        return NearMiss(word, tuple(name for name, _ in candidates))
    return _one_sound_off(word, syllables) if not candidates else None


def _one_sound_off(word: str, syllables: tuple[str, ...]) -> NearMiss | None:
    """宁坡 → 宁波: one syllable differs by a confused sound, a character is shared, one place."""
    plain = [s.rstrip("012345") for s in syllables]
    close = tuple(
        name
        for name, toned in _folded_index().get(_folded(plain), ())
        if _shares_a_char(word, name)
        and sum(a != b.rstrip("012345") for a, b in zip(plain, toned, strict=True)) == 1
    )
    return NearMiss(word, close) if len(close) == 1 else None


def _folded(plain: list[str]) -> str:
    """Toneless syllables with confused sounds folded together: ning bo and ning po alike."""
    out = []
    for syllable in plain:
        for long, short in _CONFUSED_INITIALS:
            if syllable.startswith(long):
                syllable = short + syllable[len(long) :]
                break
        for long, short in _CONFUSED_FINALS:
            if syllable.endswith(long):
                syllable = syllable[: -len(long)] + short
                break
        out.append(syllable)
    return " ".join(out)


@cache
def _folded_index() -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    """Folded pinyin → (place name, its toned syllables)."""
    table: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for entries in _index().values():
        for name, toned in entries:
            key = _folded([s.rstrip("012345") for s in toned])
            table.setdefault(key, []).append((name, toned))
    return {key: tuple(value) for key, value in table.items()}


def _shares_a_char(word: str, name: str) -> bool:
    return len(word) == len(name) and any(a == b for a, b in zip(word, name, strict=True))
