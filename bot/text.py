"""Normalise what followers type before routing: one form for every way of writing it."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

import opencc

# Kept when between digits: 2.5 (PM2.5), 11-25, 11/25, 10:30.
_JOINERS = ".-/:"
_LONE_JOINER = re.compile(r"(?<!\d)[.\-/:]|[.\-/:](?!\d)")
_SPACES = re.compile(r"\s+")
# Normalised texts kept per process (a pure function of the text): a question asked again is
# folded and converted once. Bounded, least recently used out.
NORMALISED_CACHED = 4096


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _fold_char(char: str) -> str:
    """Punctuation, symbols and separators become a space; the joiners are decided later."""
    if char in _JOINERS or unicodedata.category(char)[0] not in "PSZ":
        return char
    return " "


@lru_cache(maxsize=NORMALISED_CACHED)
def normalise(text: str) -> str:
    """Full-width -> half-width, traditional -> simplified, lower case, punctuation folded.

    "明天 上海空氣怎麼樣？！" -> "明天 上海空气怎么样"
    """
    text = unicodedata.normalize("NFKC", text)
    text = _converter().convert(text).lower()
    text = "".join(map(_fold_char, text))
    text = _LONE_JOINER.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def compact(text: str) -> str:
    """The normalised text without spaces, for keyword matching in Chinese."""
    return normalise(text).replace(" ", "")
