"""Normalise what followers type before routing: one form for every way of writing it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache, wraps
from typing import Any, TypeVar

import opencc

# Kept when between digits: 2.5 (PM2.5), 11-25, 11/25, 10:30.
_JOINERS = ".-/:"
_LONE_JOINER = re.compile(r"(?<!\d)[.\-/:]|[.\-/:](?!\d)")
_SPACES = re.compile(r"\s+")
# Normalised texts kept per process (a pure function of the text): a question asked again is
# folded and converted once. Bounded, least recently used out.
NORMALISED_CACHED = 4096
# Only texts this short are memoised: questions repeat, long texts rarely do, and 4,096 of them
# at WeChat's length limit would hold tens of megabytes per worker.
MEMO_MAX_CHARS = 64
Result = TypeVar("Result")


def memo_short(maxsize: int) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """lru_cache(maxsize) for a pure function of a text (its first argument) and more, used
    for texts of at most MEMO_MAX_CHARS; `cache_info` and `cache_clear` are the cache's."""

    def wrap(fn: Callable[..., Result]) -> Callable[..., Result]:
        cached = lru_cache(maxsize=maxsize)(fn)

        @wraps(fn)
        def call(text: str, *args: Any) -> Result:
            return cached(text, *args) if len(text) <= MEMO_MAX_CHARS else fn(text, *args)

        call.cache_info = cached.cache_info  # type: ignore[attr-defined]
        call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return call

    return wrap


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _fold_char(char: str) -> str:
    """Punctuation, symbols and separators become a space; the joiners are decided later."""
    if char in _JOINERS or unicodedata.category(char)[0] not in "PSZ":
        return char
    return " "


@memo_short(NORMALISED_CACHED)
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
